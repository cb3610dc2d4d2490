//! The `dk2020-api` binary: a thin shell. Under AWS Lambda (when
//! `AWS_LAMBDA_RUNTIME_API` is set) it serves the Router through
//! `lambda_http`; otherwise it runs the CLI. Either way the configuration is
//! read here, once: from the environment under Lambda, from the command line
//! and the environment otherwise.

use std::process::ExitCode;

use clap::Parser;
use dk2020_api::{
    cli::{self, Cli, Command},
    config::Config,
    lambda, server,
};

fn main() -> ExitCode {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    // Set by Lambda itself, never by an operator: which of the two programs this is.
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        let config = match Config::from_env() {
            Ok(config) => config,
            Err(e) => {
                eprintln!("dk2020-api: {e:#}");
                return ExitCode::FAILURE;
            }
        };
        return match runtime.block_on(lambda::run(config)) {
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
        Command::Allocate(args) => cli::allocate(&args),
        Command::Token(args) => cli::token(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dk2020-api: {e:#}");
            ExitCode::FAILURE
        }
    }
}
