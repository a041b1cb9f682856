//! Writes `openapi/tributary.json` from the families' routes (or, with `--check`, fails when the
//! committed file differs). Run: `cargo run -p tributary-integration-tests --bin openapi`.

use std::process::ExitCode;

use tributary_integration_tests::openapi::{document_json, openapi_path, OPENAPI_FILE};

fn main() -> ExitCode {
    let text = document_json();
    let path = openapi_path();
    if std::env::args().any(|a| a == "--check") {
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != text {
            eprintln!("{OPENAPI_FILE} is out of date: run `cargo run -p tributary-integration-tests --bin openapi`");
            return ExitCode::FAILURE;
        }
        println!("{OPENAPI_FILE} is up to date");
        return ExitCode::SUCCESS;
    }
    if let Err(e) = std::fs::write(&path, text) {
        eprintln!("writing {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    println!("wrote {OPENAPI_FILE}");
    ExitCode::SUCCESS
}
