//! The `dk2020-api` binary: a thin shell. Under AWS Lambda (when
//! `AWS_LAMBDA_RUNTIME_API` is set) it serves the Router through
//! `lambda_http`; otherwise it runs the CLI.

use std::process::ExitCode;

use clap::Parser;
use dk2020_api::{
    cli::{Cli, Command},
    lambda, server,
};

fn main() -> ExitCode {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        return match runtime.block_on(lambda::run()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("dk2020-api: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => runtime.block_on(server::serve(args)),
        Command::Allocate(args) => server::allocate(&args),
        Command::Token(args) => server::token(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dk2020-api: {e:#}");
            ExitCode::FAILURE
        }
    }
}
