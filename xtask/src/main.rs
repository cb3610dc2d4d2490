//! The project's task runner: `cargo xtask <task>`. Every task installs what it
//! needs when it is missing (and skips what is there), so the commands work on a
//! fresh machine that has only rustup, Python 3 with pip, Node/npm and apt.

mod bench;
mod cdn;
mod clock;
mod dynamo;
mod fuzz;
mod install;
mod lambda;
mod logscan;
mod run;
mod simulate;
mod smtp;
mod venv;
mod widget;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  serve    build the widget and the API and start http://127.0.0.1:8080 on an embedded
           SQLite file; extra arguments go to `dk2020-api serve`
  widget   build the embeddable widget into target/widget/ and print its file sizes
  test     install what the tests need if missing, then run every check and test
  lambda   package the API, the mailer, the calendar refresher and the retention for AWS Lambda (linux
           arm64; --x86_64) as target/lambda/{dk2020-api,dk2020-mailer,dk2020-calendars,dk2020-retention}/
           bootstrap.zip, print their sizes
           (infra/README.md)
  cdn      lay the built widget out for S3 and CloudFront in target/cdn/ (infra/README.md);
           --api URL (the stack's ApiUrl) names the API in the manage page
  clock    the model, API and HTTP tests with the machine's clock 400 days ahead
           (libfaketime; also part of `test`)
  infra    check infra/template.yaml with cfn-lint (also part of `test`)
  logscan  scan the test servers' logs (target/test-logs/, or DIR) for the tests' personal data
           (also the last step of `test`)
  dynamo   start a local DynamoDB-compatible server (moto) and `dk2020-api serve` on it,
           to try the production store; extra arguments go to `dk2020-api serve`
  fuzz     fuzz the API from its OpenAPI description with schemathesis, many examples per
           operation and role (--max-examples N, --seed N, --timeout SECS)
  simulate play a season of bookings through the model, first come first served next to
           fair access; per municipality the share served and the median wait, as a table
           and target/simulate/season.xlsx (--demand equal|per-capita|burst, --requests N,
           --weeks N, --runs N, --seed N, --xlsx PATH)
  bench    measure speed next to baselines: model, API, writes, start-up, widget; prints a
           table, writes target/bench/ (--quick, --only a,b, --update-readme)
  help     this text
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (task, rest) = match args.split_first() {
        Some((task, rest)) => (task.as_str(), rest),
        None => ("help", &[][..]),
    };
    let result = match task {
        "serve" => run::serve(rest),
        "test" => run::test(rest),
        "widget" => widget::build(),
        "lambda" => lambda::build(rest),
        "cdn" => cdn::layout(rest),
        "infra" => lambda::check_template(),
        "clock" => clock::run(),
        "logscan" => logscan::scan(rest.first().map(std::path::PathBuf::from)),
        "dynamo" => dynamo::serve(rest),
        "fuzz" => fuzz::run(rest),
        "bench" => bench::run(rest),
        "simulate" => simulate::run(rest),
        "help" | "-h" | "--help" => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown task {other:?}\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
