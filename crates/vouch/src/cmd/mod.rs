//! One module per subcommand.
pub mod audit;
pub mod db;
pub mod rules;
pub mod scan;
pub mod sign;
