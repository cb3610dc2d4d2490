//! `dk2020-api`: the DK2020 planner's HTTP API. One axum `Router` serves both
//! the local server (`dk2020-api serve`) and AWS Lambda; handlers translate
//! HTTP to calls of the model crate and the store.

pub mod access;
pub mod app;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod downloads;
pub mod error;
pub mod extract;
pub mod lambda;
pub mod mail;
pub mod mailer;
pub mod manage_link;
pub mod oidc;
pub mod openapi;
pub mod privacy;
pub mod routes;
pub mod secret;
pub mod server;
pub mod session;
pub mod state;
pub mod store;
pub mod subscriptions;
pub mod telemetry;
