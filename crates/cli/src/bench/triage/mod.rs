//! `tsunagu bench triage`: the power-outage triage list at the API.
//!
//! For each case (a prefecture-sized center and one holding every child) it creates a fresh
//! database, seeds one center (東京都) with N power-dependent children — 1–3 devices each with
//! draw, batteries and duty, household sources, portable units handed out by the center,
//! guardians with phones, about 10% with a gap in the data (so unknown estimates exist) and a
//! few hundred check-ins —, opens an incident covering the whole prefecture through
//! `Store::open_incident`, starts the real server as a child process on a loopback port (as
//! `bench run` does) and times sequential `GET /api/v1/incidents/{id}/triage` with a bearer
//! token — the list as the API answers it (counts for every child, the first 100 rows), a
//! 1,000-row page, and a walk through every page — against two baselines measured the same way
//! in the same run: `GET /healthz` (the HTTP stack alone) and `GET /api/v1/incidents` (a
//! trivial authenticated API call).

mod database;
mod dataset;
mod load;
mod report;
#[cfg(test)]
mod tests;

pub use report::table;

use load::run_case;

use std::path::PathBuf;

use anyhow::bail;

/// The prefecture of the generated center: 東京都, the largest number of children.
pub const TRIAGE_PREFECTURE: &str = "130001";
/// Issue targets (ms) at the API.
const PREFECTURE_TARGET_MS: f64 = 20.0;
const ALL_TARGET_MS: f64 = 100.0;

/// What to measure.
pub struct TriageOptions {
    /// Power-dependent children of the "all children" case.
    pub children: usize,
    /// Power-dependent children of the prefecture case (0: skip it).
    pub prefecture_children: usize,
    /// Timed requests per endpoint.
    pub requests: usize,
    /// Untimed requests before them.
    pub warmups: usize,
    /// Folder for the SQLite databases (a fresh one per case); default: a temporary folder
    /// removed afterwards.
    pub data_dir: Option<PathBuf>,
    /// PostgreSQL server URL: a fresh database per case is created on it and dropped after.
    pub database_url: Option<String>,
    /// Generator seed.
    pub seed: u64,
}

/// One endpoint's figures.
#[derive(Clone, Debug)]
pub struct Timed {
    /// Row label.
    pub name: String,
    /// Median, ms.
    pub p50: f64,
    /// 95th percentile, ms.
    pub p95: f64,
    /// Slowest, ms.
    pub max: f64,
    /// Response body size, bytes.
    pub bytes: usize,
    /// Server CPU (user + system) per request, ms.
    pub cpu_ms: f64,
}

/// One case's result.
#[derive(Clone, Debug)]
pub struct CaseReport {
    /// `prefecture` or `all`.
    pub case: &'static str,
    /// Backend name.
    pub backend: String,
    /// Children seeded (all power-dependent).
    pub children: usize,
    /// Rows the triage returned.
    pub rows: i64,
    /// Of which with an unknown estimate.
    pub unknown: i64,
    /// Seed summary line.
    pub seeded: String,
    /// Target, ms.
    pub target_ms: f64,
    /// healthz, incidents list, triage.
    pub timed: Vec<Timed>,
}

/// Run the cases: the prefecture-sized one (if any, and smaller), then all children.
pub async fn run(opts: &TriageOptions) -> anyhow::Result<Vec<CaseReport>> {
    if opts.children == 0 || opts.requests == 0 {
        bail!("--children and --requests must be at least 1");
    }
    let mut reports = Vec::new();
    if opts.prefecture_children > 0 && opts.prefecture_children < opts.children {
        reports.push(
            run_case(
                "prefecture",
                opts.prefecture_children,
                PREFECTURE_TARGET_MS,
                opts,
            )
            .await?,
        );
    }
    reports.push(run_case("all children", opts.children, ALL_TARGET_MS, opts).await?);
    Ok(reports)
}
