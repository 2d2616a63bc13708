//! The Markdown tables of the triage benchmark.

use super::{CaseReport, TriageOptions};

/// The Markdown tables of one invocation.
pub fn table(reports: &[CaseReport], opts: &TriageOptions) -> String {
    let mut s = String::new();
    for r in reports {
        let (health, list) = match r.timed.as_slice() {
            [h, l, ..] => (h.p50.max(1e-9), l.p50.max(1e-9)),
            _ => (1.0, 1.0),
        };
        s.push_str(&format!(
            "{} · triage, {} · {} power-dependent children in 東京都 · {} sequential requests \
             after {} warm-ups\n\n\
             | request | rows | bytes | p50 ms | p95 ms | max ms | server CPU ms/req | p50 ratio to /healthz | p50 ratio to /api/v1/incidents |\n\
             |---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
            r.backend, r.case, r.children, opts.requests, opts.warmups
        ));
        for (i, t) in r.timed.iter().enumerate() {
            let rows = match i {
                0 => String::new(),
                1 => "1".to_string(),
                2 => r.rows.min(100).to_string(),
                3 => r.rows.min(1000).to_string(),
                _ => r.rows.to_string(),
            };
            s.push_str(&format!(
                "| {} | {rows} | {} | {:.2} | {:.2} | {:.1} | {:.2} | {:.1} | {:.1} |\n",
                t.name,
                t.bytes,
                t.p50,
                t.p95,
                t.max,
                t.cpu_ms,
                t.p50 / health,
                t.p50 / list
            ));
        }
        s.push_str(&format!(
            "\n{}; {} unknown estimates listed first\n\n",
            r.seeded, r.unknown
        ));
    }
    s.push_str(
        "| case | children | triage p50 ms | triage p95 ms | target | met (p95)? |\n|---|---:|---:|---:|---|---|\n",
    );
    for r in reports {
        // The target applies to the list as the API answers it: its first page.
        if let Some(t) = r.timed.get(2) {
            s.push_str(&format!(
                "| {} ({}) | {} | {:.1} | {:.1} | < {:.0} ms | {} |\n",
                r.case,
                r.backend,
                r.children,
                t.p50,
                t.p95,
                r.target_ms,
                if t.p95 < r.target_ms { "yes" } else { "**no**" }
            ));
        }
    }
    s
}
