//! Choice lists for selects and checkboxes: vocabularies and municipalities.

use domain::vocab::{self, VocabKind};
use domain::Lang;

use crate::auth::Authed;
use crate::error::WebError;
use crate::AppState;

/// A municipality's name from the embedded list (the code itself if unknown).
pub(crate) fn place_name(code: &str) -> String {
    domain::municipality::lookup(code)
        .map(|g| g.name.clone())
        .unwrap_or_else(|| code.to_string())
}

/// A vocabulary list as (code, label) pairs for selects and checkboxes.
pub(crate) fn choices(kind: VocabKind, lang: Lang) -> Vec<(String, String)> {
    vocab::entries(kind)
        .iter()
        .map(|e| (e.code.clone(), e.label(lang).to_string()))
        .collect()
}

/// Municipalities of the center's prefecture for pickers.
fn municipality_choices(state_center_juris: &str) -> Vec<(String, String)> {
    let pref = domain::municipality::prefecture_code_of(state_center_juris).unwrap_or_default();
    domain::municipality::municipalities_of_prefecture(&pref)
        .into_iter()
        .map(|g| {
            (
                g.code.clone(),
                domain::municipality::full_name(&g.code).unwrap_or_else(|| g.name.clone()),
            )
        })
        .collect()
}

/// The places a typed municipality name denotes when there are several (code, full name).
pub(crate) fn municipality_options(typed: &str) -> Vec<(String, String)> {
    let found = domain::municipality::find_by_name(typed);
    if found.len() < 2 {
        return Vec::new();
    }
    found
        .into_iter()
        .map(|g| {
            (
                g.code.clone(),
                domain::municipality::full_name(&g.code).unwrap_or_else(|| g.name.clone()),
            )
        })
        .collect()
}

pub(crate) async fn center_municipalities(
    state: &AppState,
    a: &Authed,
) -> Result<Vec<(String, String)>, WebError> {
    let center = state.store.center(&a.actor().center_id).await?;
    Ok(center
        .map(|c| municipality_choices(&c.jurisdiction_code))
        .unwrap_or_default())
}
