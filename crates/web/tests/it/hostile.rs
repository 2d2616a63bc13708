//! Hostile form bodies. Browsers post `application/x-www-form-urlencoded`; anything can post
//! anything. Two layers:
//! - the decoder (`axum_extra::extract::Form`, i.e. serde_html_form — what the handlers use)
//!   fed arbitrary bytes for every form struct: it decodes or rejects, never panics;
//! - the running app: arbitrary bodies posted to the child and intake forms (and the JSON API's
//!   create endpoints) as a logged-in writer answer below 500, and nothing the CSRF layer's
//!   own body scan trips over.
//!
//! The same decoder is driven by the `form_decode` cargo-fuzz target for long runs.

use axum::body::Body;
use axum::extract::FromRequest;
use axum::http::{header, Method, Request};
use axum_extra::extract::{Form, Query};
use domain::account::NewUser;
use domain::Role;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde::de::DeserializeOwned;
use web::children::ChildHtmlForm;
use web::login::LoginForm;
use web::shared::IntakeHtmlForm;

use crate::*;

/// Field names of the forms, so generated bodies hit real fields (repeated, empty, mistyped)
/// rather than only unknown keys that serde ignores.
const KEYS: &[&str] = &[
    "family_name",
    "family_name_kana",
    "birth_date",
    "sex",
    "municipality_code",
    "care_setting",
    "status",
    "medical_care",
    "mcd_code",
    "mcd",
    "mcw_code",
    "mcw",
    "g_name",
    "g_primary",
    "d_name",
    "d_elec",
    "d_battery",
    "coordinator_ids",
    "confirm_duplicate",
    "version",
    "occurred_at",
    "channel",
    "subject",
    "child_id",
    "topics",
    "duration_minutes",
    "followup_due",
    "login",
    "next",
    "kind",
    "limit",
    "after",
    "before",
    "open_followups",
    "no_welfare",
    "_csrf",
];

/// A form-shaped body: `key=value` pairs joined by `&`, where keys and values mix real field
/// names, percent escapes (valid, truncated, invalid UTF-8), `+`, brackets and raw bytes.
fn form_body() -> impl Strategy<Value = Vec<u8>> {
    let atom = prop_oneof![
        3 => prop::sample::select(KEYS).prop_map(|k| k.as_bytes().to_vec()),
        2 => prop::sample::select(vec![
            "%", "%2", "%zz", "%00", "%FF", "%E3%81", "%E3%81%82", "+", "[]", "[0]", "=", "&",
            "&&", "==", ";", "%26", "%3D", "true", "-1", "99999999999999999999", "ｶﾀｶﾅ", "\u{3000}",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        2 => prop::collection::vec(any::<u8>(), 0..8),
    ];
    prop::collection::vec((atom.clone(), atom), 0..24).prop_map(|pairs| {
        let mut out = Vec::new();
        for (i, (k, v)) in pairs.into_iter().enumerate() {
            if i > 0 {
                out.push(b'&');
            }
            out.extend(k);
            out.push(b'=');
            out.extend(v);
        }
        out
    })
}

/// Any bytes at all, or a form-shaped body.
fn hostile_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![1 => prop::collection::vec(any::<u8>(), 0..200), 3 => form_body()]
}

/// Runs the extractor the handlers use on `body`; returns whether it decoded.
fn decode_form<T: DeserializeOwned + Send>(rt: &tokio::runtime::Runtime, body: &[u8]) -> bool {
    let req = Request::builder()
        .method(Method::POST)
        .uri("/x")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_vec()));
    let Ok(req) = req else { return false };
    rt.block_on(Form::<T>::from_request(req, &())).is_ok()
}

/// Query strings go through the same deserializer via `Query`; the URI only carries URI-safe
/// bytes, so non-URI bytes are percent-encoded first (as a client would).
fn decode_query<T: DeserializeOwned + Send>(rt: &tokio::runtime::Runtime, body: &[u8]) -> bool {
    let q: String = body
        .iter()
        .map(|&b| {
            if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let Ok(req) = Request::builder()
        .method(Method::GET)
        .uri(format!("/x?{q}"))
        .body(Body::empty())
    else {
        // A stray `%` sequence the URI parser refuses never reaches a handler.
        return false;
    };
    rt.block_on(Query::<T>::from_request(req, &())).is_ok()
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

#[test]
fn form_decoders_never_panic() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runner(1024)
        .run(&hostile_body(), |body| {
            decode_form::<ChildHtmlForm>(&rt, &body);
            decode_form::<IntakeHtmlForm>(&rt, &body);
            decode_form::<LoginForm>(&rt, &body);
            decode_form::<domain::organization::OrganizationForm>(&rt, &body);
            decode_query::<store::children::ChildQuery>(&rt, &body);
            decode_query::<store::consultations::ConsultationQuery>(&rt, &body);
            decode_query::<web::api::PeriodParams>(&rt, &body);
            Ok(())
        })
        .unwrap();
}

/// Fields the browser may send more than once (check boxes, repeated guardian/device rows).
const LISTS: &[&str] = &[
    "medical_care",
    "mcd_code",
    "mcd",
    "mcw_code",
    "mcw",
    "g_name",
    "d_name",
    "d_elec",
    "d_battery",
    "coordinator_ids",
    "topics",
];

/// Every field of the forms is a string or a list of strings, with defaults: any
/// well-formed `key=value` body a browser can produce (a scalar field at most once — radios
/// and selects send one value) decodes, and the handlers then validate, so users get field
/// messages instead of a bare 400 for a stray value.
#[test]
fn well_formed_bodies_always_decode() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let pair = (
        prop::sample::select(KEYS),
        "[a-zA-Z0-9ぁ-んァ-ン一-龥 ./:-]{0,12}",
    );
    runner(256)
        .run(&prop::collection::vec(pair, 0..16), |mut pairs| {
            let mut seen = Vec::new();
            pairs.retain(|(k, _)| {
                LISTS.contains(k)
                    || !seen.contains(k) && {
                        seen.push(*k);
                        true
                    }
            });
            let body = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish();
            prop_assert!(
                decode_form::<ChildHtmlForm>(&rt, body.as_bytes()),
                "{}",
                body
            );
            prop_assert!(
                decode_form::<IntakeHtmlForm>(&rt, body.as_bytes()),
                "{}",
                body
            );
            Ok(())
        })
        .unwrap();
}

/// Posts hostile bodies to the running app as a logged-in consultant.
#[test]
fn hostile_posts_never_reach_a_server_error() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (app, browser, token) = rt.block_on(async {
        let app = spawn_app("sqlite").await;
        let now = test_now();
        app.store
            .add_center(
                &domain::center::new_center("kochi", "高知テスト", "390003").unwrap(),
                now,
            )
            .await
            .unwrap();
        app.store
            .add_user(
                &NewUser {
                    center_code: "kochi",
                    login: "kochi.consultant",
                    display_name: "相談員",
                    role: Role::Consultant,
                    password: PASSWORD,
                    professions: Vec::new(),
                    municipalities: Vec::new(),
                }
                .parse()
                .unwrap(),
                now,
            )
            .await
            .unwrap();
        let browser = login(&app, "kochi.consultant").await;
        let token = token_for(&app, "kochi.consultant").await;
        (app, browser, token)
    });
    let targets = ["/children", "/intake", "/organizations", "/login"];
    let api = ["/api/v1/children", "/api/v1/consultations"];
    runner(48)
        .run(
            &(
                hostile_body(),
                0..targets.len(),
                0..api.len(),
                any::<bool>(),
            ),
            |(body, t, j, header_csrf)| {
                rt.block_on(async {
                    // Half the cases carry the CSRF token in the body, so the policy layer's
                    // own scan of the hostile body is exercised and the handler is reached.
                    let sent = if header_csrf {
                        body.clone()
                    } else {
                        [format!("_csrf={}&", browser.csrf).as_bytes(), &body].concat()
                    };
                    let mut req = browser
                        .http
                        .post(format!("{}{}", browser.base, targets[t]))
                        .header("content-type", "application/x-www-form-urlencoded");
                    if header_csrf {
                        req = req.header("x-csrf-token", &browser.csrf);
                    }
                    let r = req.body(sent).send().await.unwrap();
                    let status = r.status().as_u16();
                    prop_assert!(
                        status < 500,
                        "{} answered {} to {:?}",
                        targets[t],
                        status,
                        String::from_utf8_lossy(&body)
                    );
                    let r = browser
                        .http
                        .post(format!("{}{}", browser.base, api[j]))
                        .bearer_auth(&token)
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await
                        .unwrap();
                    let status = r.status().as_u16();
                    prop_assert!(
                        status < 500,
                        "{} answered {} to {:?}",
                        api[j],
                        status,
                        String::from_utf8_lossy(&body)
                    );
                    Ok(())
                })
            },
        )
        .unwrap();
    drop(app);
}
