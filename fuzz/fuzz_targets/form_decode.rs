//! Form and JSON bodies: arbitrary bytes through the decoders the handlers use —
//! serde_html_form (axum_extra's `Form`/`Query`) into every form/query struct, the CSRF
//! layer's `form_urlencoded` scan, and the API's JSON object → form path.
#![no_main]

use libfuzzer_sys::fuzz_target;
use web::children::ChildHtmlForm;
use web::login::LoginForm;
use web::shared::IntakeHtmlForm;

fuzz_target!(|data: &[u8]| {
    let _ = serde_html_form::from_bytes::<ChildHtmlForm>(data);
    let _ = serde_html_form::from_bytes::<IntakeHtmlForm>(data);
    let _ = serde_html_form::from_bytes::<LoginForm>(data);
    let _ = serde_html_form::from_bytes::<domain::organization::OrganizationForm>(data);
    let _ = serde_html_form::from_bytes::<store::children::ChildQuery>(data);
    let _ = serde_html_form::from_bytes::<store::consultations::ConsultationQuery>(data);
    let _ = serde_html_form::from_bytes::<web::api::PeriodParams>(data);
    let _ = form_urlencoded::parse(data).find(|(k, _)| k == "_csrf");
    if let Ok(serde_json::Value::Object(m)) = serde_json::from_slice::<serde_json::Value>(data) {
        let v = serde_json::Value::Object(m);
        let _ = serde_json::from_value::<store::children::ChildForm>(v.clone());
        let _ = serde_json::from_value::<store::consultations::ConsultationForm>(v.clone());
        let _ = serde_json::from_value::<domain::organization::OrganizationForm>(v);
    }
});
