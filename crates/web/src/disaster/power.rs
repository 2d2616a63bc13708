//! A child's power (電源): devices, power sources and handed-out units, and the equipment rows
//! the child form shares.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::Form;
use domain::disaster::{PowerInput, PowerUnitInput, UnitReturnInput};
use domain::power::{DeviceInput, DeviceKind};
use domain::Lang;
use serde::Deserialize;
use store::disaster::ChildPower;
use store::StoreError;

use crate::auth::Authed;
use crate::ui::{page_status, FormErrors, Layout, PageResult};
use crate::AppState;

use super::estimate_text;

#[derive(Template)]
#[template(path = "child_power.html")]
struct PowerPage {
    l: Layout,
    child_id: String,
    p: ChildPower,
    device_rows: Vec<DeviceInput>,
    form: PowerInput,
    kinds: Vec<(String, String)>,
    errors: FormErrors,
    unit: PowerUnitInput,
    unit_errors: FormErrors,
    can_write: bool,
    notice: String,
    /// Default date of the return forms (today, JST).
    today: String,
}

impl PowerPage {
    fn estimate(&self) -> String {
        estimate_text(&self.p.estimate, self.l.tr.0)
    }
    fn err(&self, i: &usize, field: &str) -> &str {
        self.errors.get(&format!("devices.{i}.{field}"))
    }
}

#[derive(Default)]
struct PowerExtra {
    form: Option<PowerInput>,
    errors: FormErrors,
    unit: PowerUnitInput,
    unit_errors: FormErrors,
    notice: &'static str,
}

async fn power_page(
    state: &AppState,
    a: &Authed,
    id: &str,
    status: StatusCode,
    extra: PowerExtra,
) -> PageResult {
    let p = state.store.child_power(a.actor(), id, a.now).await?;
    let form = extra.form.unwrap_or_else(|| PowerInput {
        devices: p.devices.iter().map(|d| d.to_input()).collect(),
        portable_wh: if p.portable_wh == 0 {
            String::new()
        } else {
            p.portable_wh.to_string()
        },
        car_inverter: p.car_inverter,
        generator: p.generator,
        oxygen_cylinder_hours: if p.oxygen_cylinder_hours == 0 {
            String::new()
        } else {
            p.oxygen_cylinder_hours.to_string()
        },
        notes: p.notes.clone().unwrap_or_default(),
    });
    let device_rows = device_rows(&form.devices);
    let lang = a.lang;
    let t = PowerPage {
        l: Layout::for_user(a, &format!("/children/{id}/power")),
        child_id: id.to_string(),
        p,
        device_rows,
        form,
        kinds: device_kinds(lang),
        errors: extra.errors,
        unit: extra.unit,
        unit_errors: extra.unit_errors,
        can_write: a.actor().writes_records(),
        today: a.today().to_string(),
        notice: if extra.notice.is_empty() {
            String::new()
        } else {
            crate::i18n::Tr(lang).t(extra.notice).to_string()
        },
    };
    page_status(status, &t)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SavedQuery {
    saved: String,
}

/// GET /children/{id}/power — devices, batteries, other sources and the estimate.
pub async fn power(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    axum_extra::extract::Query(q): axum_extra::extract::Query<SavedQuery>,
) -> PageResult {
    let notice = match q.saved.as_str() {
        "power" => "disaster.power_saved",
        "unit" => "disaster.unit_saved",
        "unit_return" => "disaster.unit_returned",
        _ => "",
    };
    power_page(
        &state,
        &a,
        &id,
        StatusCode::OK,
        PowerExtra {
            notice,
            ..Default::default()
        },
    )
    .await
}

/// The rows of a child's equipment list as posted (`devices.N.field`), by the power page and
/// the child form alike. A row's 電気を使う box posts `true` only when ticked.
pub(crate) fn device_inputs(pairs: &[(String, String)]) -> Vec<DeviceInput> {
    let unticked = || DeviceInput {
        uses_electricity: false,
        ..Default::default()
    };
    crate::ui::indexed_rows(pairs, "devices.", 40, unticked, |d, field, v| {
        let v = v.to_string();
        match field {
            "kind" => d.kind = v,
            "name" => d.name = v,
            "uses_electricity" => d.uses_electricity = v == "true",
            "watts" => d.watts = v,
            "internal_minutes" => d.internal_minutes = v,
            "spare_count" => d.spare_count = v,
            "spare_minutes" => d.spare_minutes = v,
            "minutes_per_hour" => d.minutes_per_hour = v,
            "settings" => d.settings = v,
            _ => {}
        }
    })
}

/// The rows the equipment form shows: the list, then two empty rows for new devices (their
/// 電気を使う box ticked, as most listed devices are electric).
pub(crate) fn device_rows(devices: &[DeviceInput]) -> Vec<DeviceInput> {
    let mut rows = devices.to_vec();
    rows.push(DeviceInput::default());
    rows.push(DeviceInput::default());
    rows
}

/// Device kinds for the form's select, in display order.
pub(crate) fn device_kinds(lang: Lang) -> Vec<(String, String)> {
    DeviceKind::all()
        .into_iter()
        .map(|k| (k.code().to_string(), k.label(lang).to_string()))
        .collect()
}

/// The power form's fields: `devices.N.field` rows, then the sources.
fn power_input(pairs: &[(String, String)]) -> PowerInput {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    PowerInput {
        devices: device_inputs(pairs),
        portable_wh: get("portable_wh"),
        car_inverter: get("car_inverter") == "true",
        generator: get("generator") == "true",
        oxygen_cylinder_hours: get("oxygen_cylinder_hours"),
        notes: get("notes"),
    }
}

/// POST /children/{id}/power — save devices and sources.
pub async fn power_save(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let input = power_input(&pairs);
    let parsed = crate::shared::scope_before_errors(
        input.parse().map_err(StoreError::Validation),
        state.store.check_child_writable(a.actor(), &id),
    )
    .await;
    let saved = match parsed {
        Ok(draft) => {
            state
                .store
                .save_child_power(a.actor(), &id, &draft, a.now)
                .await
        }
        Err(e) => Err(e),
    };
    match saved {
        Ok(()) => Ok(Redirect::to(&format!("/children/{id}/power?saved=power")).into_response()),
        Err(StoreError::Validation(errs)) => {
            let extra = PowerExtra {
                form: Some(input),
                errors: FormErrors::from(&errs, a.lang),
                ..Default::default()
            };
            power_page(&state, &a, &id, StatusCode::UNPROCESSABLE_ENTITY, extra).await
        }
        Err(e) => Err(e.into()),
    }
}

/// POST /children/{id}/power-units — record a unit the center handed out.
pub async fn unit_create(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<UnitForm>,
) -> PageResult {
    let input = PowerUnitInput {
        handed_on: f.handed_on,
        model: f.model,
        capacity_wh: f.capacity_wh,
        serial: f.serial,
    };
    let parsed = crate::shared::scope_before_errors(
        input.parse(a.today()).map_err(StoreError::Validation),
        state.store.check_child_writable(a.actor(), &id),
    )
    .await;
    let added = match parsed {
        Ok(unit) => {
            state
                .store
                .add_power_unit(a.actor(), &id, &unit, a.now)
                .await
        }
        Err(e) => Err(e),
    };
    match added {
        Ok(_) => Ok(Redirect::to(&format!("/children/{id}/power?saved=unit")).into_response()),
        Err(StoreError::Validation(errs)) => {
            let extra = PowerExtra {
                unit: input,
                unit_errors: FormErrors::from(&errs, a.lang),
                ..Default::default()
            };
            power_page(&state, &a, &id, StatusCode::UNPROCESSABLE_ENTITY, extra).await
        }
        Err(e) => Err(e.into()),
    }
}

/// POST /children/{id}/power-units/{unit_id}/return — the unit came back.
pub async fn unit_return(
    State(state): State<AppState>,
    a: Authed,
    Path((id, unit_id)): Path<(String, String)>,
    Form(input): Form<UnitReturnForm>,
) -> PageResult {
    let input = UnitReturnInput {
        returned_on: input.returned_on,
    };
    let parsed = crate::shared::scope_before_errors(
        input.parse(a.today()).map_err(StoreError::Validation),
        state
            .store
            .check_power_unit_returnable(a.actor(), &id, &unit_id),
    )
    .await;
    let returned = match parsed {
        Ok(draft) => {
            state
                .store
                .return_power_unit(a.actor(), &id, &unit_id, &draft, a.now)
                .await
        }
        Err(e) => Err(e),
    };
    match returned {
        Ok(()) => {
            Ok(Redirect::to(&format!("/children/{id}/power?saved=unit_return")).into_response())
        }
        Err(StoreError::Validation(errs)) => {
            let extra = PowerExtra {
                unit_errors: FormErrors::from(&errs, a.lang),
                ..Default::default()
            };
            power_page(&state, &a, &id, StatusCode::UNPROCESSABLE_ENTITY, extra).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The return form (also carries `_csrf`).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UnitReturnForm {
    returned_on: String,
}

/// The unit form (the page's form also carries `_csrf`).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UnitForm {
    handed_on: String,
    model: String,
    capacity_wh: String,
    serial: String,
}
