//! Disaster preparedness pages and API: a child's power (devices, sources, handed-out units)
//! and power-outage incidents — the triage list that refreshes itself (htmx polling, paused
//! while someone is typing in it), safety check-ins and the closing report.

pub mod api;
pub mod incidents;
pub mod power;

use domain::power::{format_minutes, Estimate};
use domain::Lang;

fn place(code: &str) -> String {
    crate::ui::place_name(code)
}

/// An incident's areas as one line: 「世田谷区、目黒区」.
fn places_line(codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| place(c))
        .collect::<Vec<_>>()
        .join("、")
}

/// The estimate as staff read it: 「3時間20分」, 「不明 — 先に電話」 with what is missing.
fn estimate_text(e: &Estimate, lang: Lang) -> String {
    match e {
        Estimate::Known { minutes, limiting } => lang.pick(
            format!(
                "{}（{}）",
                format_minutes(*minutes, lang),
                limiting.label(lang)
            ),
            format!(
                "{} ({})",
                format_minutes(*minutes, lang),
                limiting.label(lang)
            ),
        ),
        Estimate::Unknown { missing } => {
            let gaps: Vec<String> = missing.iter().map(|m| m.message(lang)).collect();
            lang.pick(
                format!("不明 — 先に電話（{}）", gaps.join("、")),
                format!("Unknown — call first ({})", gaps.join("; ")),
            )
        }
        Estimate::NotDependent => lang.pick("電源不要", "Not power-dependent").to_string(),
    }
}
