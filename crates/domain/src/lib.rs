//! # tsunagu domain
//!
//! Pure domain logic for tsunagu, the record system of 医療的ケア児支援センター (support centers
//! for children who need daily medical care): validated value types, reference data
//! (全国地方公共団体コード and code lists), Japanese text and date handling (和暦, 年度, JST),
//! roles, ids and the audit hash chain.
//!
//! The crate does no I/O, has no async code and never reads the clock: "today" or "now" is
//! always a parameter. Every validation failure is a [`FieldError`] carrying a message in both
//! Japanese and English.

#![warn(missing_docs)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod access;
pub mod account;
pub mod audit;
pub mod care_score;
pub mod center;
pub mod chart;
pub mod child;
pub mod consent;
pub mod consultation;
pub mod dates;
pub mod disaster;
pub mod dispatch;
pub mod dispatch_input;
pub mod error;
pub mod export;
pub mod ids;
pub mod kana;
pub mod lang;
pub mod messages;
pub mod municipality;
pub mod openapi;
pub mod organization;
pub mod password;
pub mod payment;
pub mod plan;
pub mod power;
pub mod role;
pub mod service_period;
pub mod text;
pub mod totp;
pub mod vocab;

pub use access::Action;
pub use child::{CareSetting, ChildStatus, Sex};
pub use error::{FieldError, ValidationErrors};
pub use lang::Lang;
pub use role::Role;
