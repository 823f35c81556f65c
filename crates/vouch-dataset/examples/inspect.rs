//! Prints what each dataset file given on the command line holds, as JSON lines, with the time
//! it took: `cargo run --release -p vouch-dataset --example inspect -- FILE...`.

use std::time::Instant;

fn main() {
    let limits = vouch_dataset::Limits::default();
    for arg in std::env::args().skip(1) {
        let start = Instant::now();
        let result = vouch_dataset::inspect(std::path::Path::new(&arg), &limits);
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        match result {
            Ok(mut info) => {
                let n = info.columns.len();
                info.columns.truncate(8);
                let json = serde_json::to_string(&info).unwrap_or_default();
                println!("{arg}\t{ms:.1} ms\t{n} columns\t{json}");
            }
            Err(e) => println!("{arg}\t{ms:.1} ms\terror: {e}"),
        }
    }
}
