//! One module per subcommand.
pub mod audit;
pub mod bom;
pub mod db;
pub mod rules;
pub mod scan;
pub mod sign;
