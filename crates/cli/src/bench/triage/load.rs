//! Timing the triage list and the baselines against the running server.

use std::time::Instant;

use anyhow::{bail, Context};
use store::Store;

use crate::bench::run::{cpu_seconds, start_server};

use super::database::{drop_database, fresh_database};
use super::dataset::seed;
use super::{CaseReport, Timed, TriageOptions};

/// Sequential GETs on one keep-alive connection: `warmups` untimed, then `n` timed.
async fn time_get(
    http: &reqwest::Client,
    name: &str,
    url: &str,
    token: Option<&str>,
    warmups: usize,
    n: usize,
    pid: u32,
) -> anyhow::Result<(Timed, Vec<u8>)> {
    let get = || {
        let r = http.get(url);
        match token {
            Some(t) => r.bearer_auth(t),
            None => r,
        }
    };
    let mut body = Vec::new();
    for _ in 0..warmups {
        let r = get().send().await?;
        let status = r.status();
        body = r.bytes().await?.to_vec();
        if status != 200 {
            bail!(
                "{name}: status {status}: {}",
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(200)
                    .collect::<String>()
            );
        }
    }
    let mut lat: Vec<f64> = Vec::with_capacity(n);
    let cpu_before = cpu_seconds(pid);
    for _ in 0..n {
        let t = Instant::now();
        let r = get().send().await?;
        let status = r.status();
        body = r.bytes().await?.to_vec();
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
        if status != 200 {
            bail!("{name}: status {status}");
        }
    }
    let cpu_ms = (cpu_seconds(pid) - cpu_before) * 1000.0 / n.max(1) as f64;
    lat.sort_by(f64::total_cmp);
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            return 0.0;
        }
        let idx = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1;
        lat[idx]
    };
    Ok((
        Timed {
            name: name.to_string(),
            p50: pct(0.50),
            p95: pct(0.95),
            max: lat.last().copied().unwrap_or(0.0),
            bytes: body.len(),
            cpu_ms,
        },
        body,
    ))
}

/// Times reading the whole list page by page (1,000 rows each), as a client exporting it
/// would: one walk untimed, then `requests / 5` (at least 3) timed walks. Answers the figures
/// and the last walk's rows in order: (child id, estimate known).
async fn time_walk(
    http: &reqwest::Client,
    triage: &str,
    token: &str,
    opts: &TriageOptions,
    pid: u32,
) -> anyhow::Result<(Timed, Vec<(String, bool)>)> {
    let walk = || async {
        let mut listed: Vec<(String, bool)> = Vec::new();
        let mut bytes = 0usize;
        loop {
            let r = http
                .get(format!("{triage}?limit=1000&offset={}", listed.len()))
                .bearer_auth(token)
                .send()
                .await?;
            let status = r.status();
            let body = r.bytes().await?;
            if status != 200 {
                bail!("walk: status {status}");
            }
            bytes += body.len();
            let page: serde_json::Value = serde_json::from_slice(&body)?;
            let rows = page["rows"].as_array().cloned().unwrap_or_default();
            let total = usize::try_from(page["counts"]["total"].as_i64().unwrap_or(0))?;
            for row in &rows {
                listed.push((
                    row["child_id"].as_str().unwrap_or_default().to_string(),
                    row["estimate"]["status"] == "known",
                ));
            }
            if rows.is_empty() || listed.len() >= total {
                return Ok::<_, anyhow::Error>((listed, bytes));
            }
        }
    };
    let (mut listed, mut bytes) = walk().await?;
    let n = (opts.requests / 5).max(3);
    let mut lat = Vec::with_capacity(n);
    let cpu_before = cpu_seconds(pid);
    for _ in 0..n {
        let t = Instant::now();
        (listed, bytes) = walk().await?;
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let cpu_ms = (cpu_seconds(pid) - cpu_before) * 1000.0 / n as f64;
    lat.sort_by(f64::total_cmp);
    let pct = |p: f64| lat[((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1];
    Ok((
        Timed {
            name: format!("every page at limit=1000 ({n} timed walks)"),
            p50: pct(0.5),
            p95: pct(0.95),
            max: lat.last().copied().unwrap_or(0.0),
            bytes,
            cpu_ms,
        },
        listed,
    ))
}

/// Seed, serve and time one case.
pub(super) async fn run_case(
    case: &'static str,
    children: usize,
    target_ms: f64,
    opts: &TriageOptions,
) -> anyhow::Result<CaseReport> {
    let url = fresh_database(opts, children).await?;
    let store = Store::connect(&url).await?;
    let backend = store.backend().name().to_string();
    println!("== {case}: {children} children ({backend}) ==");
    let seeded = seed(&store, children, opts.seed).await?;
    println!("  {}", seeded.line);
    // The server gets the database to itself.
    store.close().await;
    let (server, _) = start_server(&url).await?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(1)
        .build()?;
    let base = &server.base;
    let mut timed = Vec::new();
    let (t, _) = time_get(
        &http,
        "baseline GET /healthz",
        &format!("{base}/healthz"),
        None,
        opts.warmups,
        opts.requests,
        server.pid,
    )
    .await?;
    timed.push(t);
    let (t, _) = time_get(
        &http,
        "baseline GET /api/v1/incidents",
        &format!("{base}/api/v1/incidents"),
        Some(&seeded.token),
        opts.warmups,
        opts.requests,
        server.pid,
    )
    .await?;
    timed.push(t);
    let triage = format!("{base}/api/v1/incidents/{}/triage", seeded.incident_id);
    let (t, body) = time_get(
        &http,
        "GET …/triage (first page, 100 rows)",
        &triage,
        Some(&seeded.token),
        opts.warmups,
        opts.requests,
        server.pid,
    )
    .await?;
    timed.push(t);
    let first_page: serde_json::Value =
        serde_json::from_slice(&body).context("the triage answer is not JSON")?;
    let (t, _) = time_get(
        &http,
        "GET …/triage?limit=1000",
        &format!("{triage}?limit=1000"),
        Some(&seeded.token),
        opts.warmups,
        opts.requests,
        server.pid,
    )
    .await?;
    timed.push(t);
    let (t, listed) = time_walk(&http, &triage, &seeded.token, opts, server.pid).await?;
    timed.push(t);
    drop(server);
    let total = first_page["counts"]["total"].as_i64().unwrap_or(-1);
    let unknown = first_page["counts"]["unknown"].as_i64().unwrap_or(-1);
    // Every seeded child depends on power and lives in the prefecture: all must be listed,
    // unknown estimates first, and the pages together hold each child once.
    let page_rows = first_page["rows"].as_array().map_or(0, Vec::len);
    if total != i64::try_from(children).unwrap_or(-1) || page_rows != children.min(100) {
        bail!("the triage counted {total} and showed {page_rows} rows for {children} children");
    }
    let mut ids: Vec<&str> = listed.iter().map(|(id, _)| id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    if listed.len() != children || ids.len() != children {
        bail!(
            "walking every page listed {} rows, {} children, for {children}",
            listed.len(),
            ids.len()
        );
    }
    if unknown <= 0 && children >= 50 {
        bail!("no unknown estimates on the list; the generator should make some");
    }
    let first_known = listed
        .iter()
        .position(|(_, known)| *known)
        .unwrap_or(listed.len());
    if i64::try_from(first_known).unwrap_or(-1) != unknown
        || listed[first_known..].iter().any(|(_, known)| !known)
    {
        bail!("unknown estimates are not listed first");
    }
    drop_database(opts, children).await?;
    Ok(CaseReport {
        case,
        backend,
        children,
        rows: total,
        unknown,
        seeded: seeded.line,
        target_ms,
        timed,
    })
}
