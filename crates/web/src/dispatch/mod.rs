//! Coordinator roster and dispatch pages and API (コーディネーター名簿・派遣): roster, requests,
//! recommendation and proposal, the coordinator's inbox, activities, advice, notifications and
//! figures. Rules live in `store::dispatch` and `domain::dispatch`; this module renders forms and
//! maps errors. This file holds the helpers its pages share.

pub mod api;
pub mod batch;
pub mod figures;
pub mod home;
pub mod notifications;
pub mod requests;
pub mod roster;
pub mod show;

use domain::vocab::VocabKind;
use domain::Lang;
use store::dispatch::LEAD_ROLES;

use crate::auth::Authed;
use crate::ui::choices;

fn is_lead(a: &Authed) -> bool {
    LEAD_ROLES.contains(&a.actor().role)
}

/// Repeated form fields (checkboxes) and single ones from one urlencoded body.
struct Fields(Vec<(String, String)>);

impl Fields {
    fn get(&self, k: &str) -> String {
        self.0
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
    fn all(&self, k: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

fn area_labels(codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| {
            let name = domain::municipality::lookup(c)
                .map(|g| g.name.clone())
                .unwrap_or_else(|| c.clone());
            if c.ends_with("0003") || c.len() == 6 && &c[2..5] == "000" {
                format!("{name}全域")
            } else {
                name
            }
        })
        .collect::<Vec<_>>()
        .join("、")
}

fn topic_label(code: &str, lang: Lang) -> String {
    domain::vocab::label(VocabKind::MedicalCareItem, code, lang)
        .or_else(|| domain::vocab::label(VocabKind::ConsultationTopic, code, lang))
        .unwrap_or(code)
        .to_string()
}

/// Topic choices: 相談内容 then 医療的ケア.
fn topic_choices(lang: Lang) -> Vec<(String, String)> {
    let mut v = choices(VocabKind::ConsultationTopic, lang);
    v.extend(choices(VocabKind::MedicalCareItem, lang));
    v
}

fn request_status_label(code: &str, lang: Lang) -> &'static str {
    match code {
        "open" => lang.pick("未派遣", "Open"),
        "proposed" => lang.pick("打診中", "Proposed"),
        "active" => lang.pick("対応中", "Active"),
        "completed" => lang.pick("完了", "Completed"),
        "cancelled" => lang.pick("中止", "Cancelled"),
        _ => "",
    }
}
