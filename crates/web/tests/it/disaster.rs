//! Power-outage response on each backend: the triage list puts unknown data first and then
//! the child whose power runs out soonest; handed-out units count; bad figures are refused;
//! two staff check in at once without overwriting each other; municipal users see their area
//! only while the incident is open; closing produces the report and stops check-ins.

use domain::Role;
use reqwest::Method as M;
use serde_json::{json, Value};
use store::testing::Draft;

use crate::*;

async fn child(
    w: &World,
    family: &str,
    kana: &str,
    municipality: &str,
    record_battery: Option<&str>,
) -> String {
    child_with_care(w, family, kana, municipality, record_battery, None).await
}

/// A child whose care items are `care` (default: child_json's, which include suction).
async fn child_with_care(
    w: &World,
    family: &str,
    kana: &str,
    municipality: &str,
    record_battery: Option<&str>,
    care: Option<&[&str]>,
) -> String {
    let mut j = child_json(family, kana);
    if let Some(care) = care {
        j["medical_care"] = json!(care);
    }
    j["municipality_code"] = json!(municipality);
    j["guardians"] = json!([{ "name": format!("{family} 母"), "relation": "母", "phone": "088-823-1234", "is_primary": true }]);
    if let Some(b) = record_battery {
        j["devices"] =
            json!([{ "name": "人工呼吸器", "uses_electricity": true, "battery_minutes": b }]);
    }
    let form: store::children::ChildForm = serde_json::from_value(j).unwrap();
    w.app
        .store
        .register_child(
            w.user(Role::Advisor),
            &form.draft(test_now()),
            true,
            test_now(),
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn outage_triage_checkins_from_two_staff_municipal_view_and_report() {
    for backend in backends() {
        let w = world(backend).await;
        let adv = token_for(&w.app, &w.user(Role::Advisor).login).await;
        let cons = token_for(&w.app, &w.user(Role::Consultant).login).await;
        let muni = token_for(&w.app, &w.user(Role::Municipal).login).await;

        let vent = child(&w, "人工", "ジンコウ", "392014", None).await;
        let unknown = child(&w, "不明", "フメイ", "392014", None).await;
        let record = child(&w, "台帳", "ダイチョウ", "392014", Some("120")).await;
        let outside = child(&w, "南国", "ナンコク", "392049", None).await;
        // Care that needs no electricity and no devices: not on an outage list.
        let _no_power = child_with_care(
            &w,
            "無電",
            "ムデン",
            "392014",
            None,
            Some(&["tube_feeding_gastric"]),
        )
        .await;

        // Power details: refused when absurd, saved when sound.
        let power = |id: &str| format!("/api/v1/children/{id}/power");
        let (s, v) = call(
            &w,
            &cons,
            M::PUT,
            &power(&vent),
            Some(json!({
            "devices": [{ "kind": "ventilator", "watts": "-60", "internal_minutes": "5000" }] })),
        )
        .await;
        assert_eq!(s, 422, "{backend}: {v}");
        let fields = v["fields"].as_object().unwrap();
        assert!(
            fields.contains_key("devices.0.watts")
                && fields.contains_key("devices.0.internal_minutes"),
            "{v}"
        );
        let (_, p) = call(&w, &cons, M::GET, &power(&vent), None).await;
        assert_eq!(p["devices"].as_array().unwrap().len(), 0, "nothing written");
        let (s, p) = call(&w, &cons, M::PUT, &power(&vent), Some(json!({
            "devices": [{ "kind": "ventilator", "watts": "60", "internal_minutes": "240", "settings": "SIMV 一回換気量 120mL" }],
            "car_inverter": true }))).await;
        assert_eq!(s, 200, "{p}");
        assert_eq!(p["estimate"]["minutes"], 240);
        for (id, kind) in [(&unknown, "suction"), (&outside, "ventilator")] {
            let (s, _) = call(&w, &cons, M::PUT, &power(id), Some(json!({
                "devices": [{ "kind": kind, "watts": "30", "internal_minutes": if kind == "suction" { "" } else { "60" } }] }))).await;
            assert_eq!(s, 200);
        }
        // A 500 Wh unit from the center adds 500 × 0.85 × 60 / 60 = 425 minutes at 60 W.
        let (s, v) = call(&w, &cons, M::POST, &format!("/api/v1/children/{vent}/power-units"),
            Some(json!({ "handed_on": "2026-11-01", "model": "ポータブル電源 500", "capacity_wh": "500", "serial": "PS-0001" }))).await;
        assert_eq!(s, 201, "{v}");
        let (_, p) = call(&w, &cons, M::GET, &power(&vent), None).await;
        assert_eq!(p["estimate"]["minutes"], 665, "{backend}: {p}");

        // Incidents: an unknown municipality code is refused.
        let (s, v) = call(
            &w,
            &cons,
            M::POST,
            "/api/v1/incidents",
            Some(json!({
            "title": "台風による停電", "municipality_codes": ["392014", "123456"] })),
        )
        .await;
        assert_eq!(s, 422, "{v}");
        let (s, v) = call(&w, &cons, M::POST, "/api/v1/incidents", Some(json!({
            "title": "台風による停電", "municipality_codes": ["392014"], "started_at": "2026-11-20T08:00" }))).await;
        assert_eq!(s, 201, "{v}");
        let incident = v["id"].as_str().unwrap().to_string();
        let triage = format!("/api/v1/incidents/{incident}/triage");
        let (s, t) = call(&w, &cons, M::GET, &triage, None).await;
        assert_eq!(s, 200, "{t}");
        let order: Vec<&str> = t["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["child_id"].as_str().unwrap())
            .collect();
        // Unknown first, then 120 minutes (from the record), then 665.
        assert_eq!(
            order,
            [unknown.as_str(), record.as_str(), vent.as_str()],
            "{backend}: {t}"
        );
        assert_eq!(t["rows"][0]["estimate"]["status"], "unknown");
        assert_eq!(t["rows"][2]["contacts"][0]["phone"], "088-823-1234");
        assert_eq!(t["counts"]["not_called"], 3);

        // Two staff check the same child in at once: both entries are kept, the latest shows.
        let checkins = format!("/api/v1/incidents/{incident}/checkins");
        let (a, b) = tokio::join!(
            call(
                &w,
                &cons,
                M::POST,
                &checkins,
                Some(json!({ "child_id": vent, "status": "unreached", "note": "留守電" }))
            ),
            call(
                &w,
                &adv,
                M::POST,
                &checkins,
                Some(
                    json!({ "child_id": unknown, "status": "needs_help", "note": "吸引器の電池切れ" })
                )
            ),
        );
        assert_eq!((a.0, b.0), (204, 204), "{a:?} {b:?}");
        w.app.clock.advance(chrono::Duration::minutes(20));
        assert_eq!(
            call(
                &w,
                &adv,
                M::POST,
                &checkins,
                Some(json!({ "child_id": vent, "status": "safe_at_home" }))
            )
            .await
            .0,
            204
        );
        let (s, v) = call(
            &w,
            &adv,
            M::POST,
            &checkins,
            Some(json!({ "child_id": vent, "status": "fine" })),
        )
        .await;
        assert_eq!(s, 422, "{v}");
        let (s, _) = call(
            &w,
            &adv,
            M::POST,
            &checkins,
            Some(json!({ "child_id": outside, "status": "safe_at_home" })),
        )
        .await;
        assert_eq!(s, 422, "a child outside the area is not on the list");
        let (_, t) = call(&w, &cons, M::GET, &triage, None).await;
        let row = t["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["child_id"] == vent.as_str())
            .unwrap()
            .clone();
        assert_eq!(row["checkin"]["status"], "safe_at_home");
        assert_eq!(row["checkin"]["count"], 2);

        // Municipal user: their area's list while open, audited.
        let (s, t) = call(&w, &muni, M::GET, &triage, None).await;
        assert_eq!(s, 200, "{t}");
        assert_eq!(t["rows"].as_array().unwrap().len(), 3);
        assert!(w
            .app
            .store
            .audit_for_entity("incident", &incident)
            .await
            .unwrap()
            .iter()
            .any(|r| r.action == "incident.triage.municipal"));
        assert_eq!(
            call(
                &w,
                &muni,
                M::POST,
                &checkins,
                Some(json!({ "child_id": vent, "status": "safe_at_home" }))
            )
            .await
            .0,
            403
        );

        // Close: consultants may not; the report counts who was reached and how fast.
        let close = format!("/api/v1/incidents/{incident}/close");
        assert_eq!(call(&w, &cons, M::POST, &close, None).await.0, 403);
        let (s, r) = call(&w, &adv, M::POST, &close, None).await;
        assert_eq!(s, 200, "{r}");
        assert_eq!(r["children"], 3);
        assert_eq!(r["reached"], 2, "{r}");
        assert_eq!(r["never_reached"], 1);
        // Started 08:00 JST; checked in at 10:00 and 10:20 JST.
        assert_eq!(r["minutes_to_reach"], json!([120, 140]));
        assert_eq!(r["reach"][0], json!([unknown, "不明 花子", 120]), "{r}");
        assert_eq!(
            r["reach"][1][2],
            Value::Null,
            "the record-only child was never reached"
        );
        let (s, v) = call(
            &w,
            &adv,
            M::POST,
            &checkins,
            Some(json!({ "child_id": vent, "status": "safe_at_home" })),
        )
        .await;
        assert_eq!(s, 422, "closed: {v}");
        assert_eq!(call(&w, &adv, M::POST, &close, None).await.0, 422);
        // Afterwards the municipal user sees figures only.
        let (_, t) = call(&w, &muni, M::GET, &triage, None).await;
        assert_eq!(t["rows_visible"], false);
        assert_eq!(t["rows"].as_array().unwrap().len(), 0);
        assert_eq!(t["counts"]["total"], 3);
    }
}

#[tokio::test]
async fn triage_page_lists_in_order_and_records_a_checkin_without_javascript() {
    let w = world("sqlite").await;
    let b = login(&w.app, &w.user(Role::Consultant).login).await;
    let id = child(&w, "画面", "ガメン", "392014", Some("90")).await;
    let incident = w
        .app
        .store
        .open_incident(
            w.user(Role::Consultant),
            &domain::disaster::IncidentInput {
                title: "落雷による停電".into(),
                municipality_codes: vec!["390003".into()],
                ..Default::default()
            }
            .draft(test_now()),
            test_now(),
        )
        .await
        .unwrap();
    let html = get_text(&b.http, format!("{}/incidents/{incident}", b.base)).await;
    assert!(
        html.contains("hx-trigger=\"every 10s\""),
        "the list refreshes itself"
    );
    assert!(html.contains("1時間30分"), "{html}");
    let res = b
        .http
        .post(format!("{}/incidents/{incident}/checkins", b.base))
        .form(&[
            ("_csrf", b.csrf.as_str()),
            ("child_id", id.as_str()),
            ("status", "evacuated"),
            ("note", "福祉避難所へ"),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "{}",
        res.status()
    );
    let html = get_text(&b.http, format!("{}/incidents/{incident}/rows", b.base)).await;
    assert!(
        html.contains("避難済み") && html.contains("福祉避難所へ"),
        "{html}"
    );

    // Pages: numbered on the whole list, linked both ways, kept while refreshing.
    let second = child(&w, "二番", "ニバン", "392014", Some("150")).await;
    let html = get_text(&b.http, format!("{}/incidents/{incident}?limit=1", b.base)).await;
    assert!(html.contains("1〜1件目 / 2件"), "{html}");
    assert!(
        html.contains(r#"?offset=1&amp;limit=1" id="triage-next""#),
        "{html}"
    );
    assert!(!html.contains(&second), "one row a page");
    let html = get_text(
        &b.http,
        format!("{}/incidents/{incident}?offset=1&limit=1", b.base),
    )
    .await;
    assert!(
        html.contains(&second) && !html.contains("triage-next"),
        "{html}"
    );
    assert!(
        html.contains("<td>2</td>"),
        "numbered on the whole list: {html}"
    );
    assert!(
        html.contains(r#"/rows?offset=1&amp;limit=1""#),
        "the poll keeps the page"
    );
    assert!(
        html.contains(r#"?offset=0&amp;limit=1" id="triage-prev""#),
        "{html}"
    );
    let res = b
        .http
        .get(format!("{}/incidents/{incident}?limit=0", b.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("1〜1000"));

    // A handed-out unit is given back from the power page.
    let unit = w
        .app
        .store
        .add_power_unit(
            w.user(Role::Consultant),
            &id,
            &domain::disaster::PowerUnitInput {
                handed_on: "2026-11-01".into(),
                model: "蓄電池 300".into(),
                capacity_wh: "300".into(),
                serial: String::new(),
            }
            .draft(test_now()),
            test_now(),
        )
        .await
        .unwrap();
    let html = get_text(&b.http, format!("{}/children/{id}/power", b.base)).await;
    let action = format!("/children/{id}/power-units/{unit}/return");
    assert!(html.contains(&action) && !html.contains("貸与中"), "{html}");
    let res = b
        .http
        .post(format!("{}{action}", b.base))
        .form(&[("_csrf", b.csrf.as_str()), ("returned_on", "2099-01-01")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("未来の日付"));
    let res = b
        .http
        .post(format!("{}{action}", b.base))
        .form(&[("_csrf", b.csrf.as_str()), ("returned_on", "2026-11-10")])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success() || res.status().is_redirection());
    let html = get_text(&b.http, format!("{}/children/{id}/power", b.base)).await;
    assert!(
        html.contains("<td>2026-11-10</td>") && !html.contains(&action),
        "{html}"
    );
}

/// The triage list reads estimates kept beside the records; every kind of change to the
/// records moves the child on the list at once, the kept rows equal a fresh computation, and
/// the list pages with counts for the whole of it.
#[tokio::test]
async fn triage_follows_record_changes_and_pages_with_whole_list_counts() {
    for backend in backends() {
        let w = world(backend).await;
        let cons = token_for(&w.app, &w.user(Role::Consultant).login).await;
        let vent = child(&w, "人工", "ジンコウ", "392014", None).await;
        let record = child(&w, "台帳", "ダイチョウ", "392049", Some("120")).await;
        let suction = child(&w, "吸引", "キュウイン", "392022", None).await;
        let later = child(&w, "後日", "ゴジツ", "392014", None).await;
        let power = |id: &str| format!("/api/v1/children/{id}/power");
        for (id, kind, minutes) in [(&vent, "ventilator", "240"), (&suction, "suction", "")] {
            let (s, v) = call(
                &w,
                &cons,
                M::PUT,
                &power(id),
                Some(json!({
                "devices": [{ "kind": kind, "watts": "60", "internal_minutes": minutes }] })),
            )
            .await;
            assert_eq!(s, 200, "{v}");
        }
        // The whole prefecture (高知県).
        let (s, v) = call(
            &w,
            &cons,
            M::POST,
            "/api/v1/incidents",
            Some(json!({
            "title": "県内全域の停電", "municipality_codes": ["390003"] })),
        )
        .await;
        assert_eq!(s, 201, "{v}");
        let triage = format!("/api/v1/incidents/{}/triage", v["id"].as_str().unwrap());
        let list = |t: &Value| -> Vec<String> {
            t["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["child_id"].as_str().unwrap().to_string())
                .collect()
        };
        let (_, t) = call(&w, &cons, M::GET, &triage, None).await;
        // 後日's care includes suction but nothing about its power was entered: on the list
        // as 電源情報未登録, among the unknown (called first), never left off.
        assert_eq!(
            list(&t),
            [suction.clone(), later.clone(), record.clone(), vent.clone()],
            "{backend}: {t}"
        );
        assert_eq!(
            t["rows"][1]["estimate"]["missing"],
            json!([{ "kind": "no_power_data" }])
        );
        assert_eq!(
            (
                t["counts"]["total"].as_i64(),
                t["counts"]["unknown"].as_i64()
            ),
            (Some(4), Some(2))
        );

        // Power details filled in: the suction unit is now known (30 min), first among known.
        let (s, _) = call(
            &w,
            &cons,
            M::PUT,
            &power(&suction),
            Some(json!({
            "devices": [{ "kind": "suction", "watts": "60", "internal_minutes": "30" }] })),
        )
        .await;
        assert_eq!(s, 200);
        // A device added on the child record puts a child on the list (its draw unknown, but
        // nothing needs sharing: 45 minutes).
        let mut form = child_json("後日", "ゴジツ");
        form["devices"] =
            json!([{ "name": "酸素濃縮器", "uses_electricity": true, "battery_minutes": "45" }]);
        let form: store::children::ChildForm = serde_json::from_value(form).unwrap();
        w.app
            .store
            .update_child(
                w.user(Role::Advisor),
                &later,
                &form.draft(test_now()),
                None,
                test_now(),
            )
            .await
            .unwrap();
        // A unit handed out adds 500 Wh × 0.85 at 60 W: 240 + 425 minutes.
        let (s, v) = call(&w, &cons, M::POST, &format!("/api/v1/children/{vent}/power-units"),
            Some(json!({ "handed_on": "2026-11-01", "model": "ポータブル電源 500", "capacity_wh": "500" }))).await;
        assert_eq!(s, 201);
        let unit = v["id"].as_str().unwrap().to_string();
        let (_, t) = call(&w, &cons, M::GET, &triage, None).await;
        assert_eq!(
            list(&t),
            [suction.clone(), later.clone(), record.clone(), vent.clone()],
            "{backend}: {t}"
        );
        assert_eq!(t["rows"][3]["estimate"]["minutes"], 665);

        // The unit comes back: refused in the future, before it was handed out, for another
        // child, or twice; once recorded it no longer counts.
        let give_back = |child: &str| format!("/api/v1/children/{child}/power-units/{unit}/return");
        for (date, code) in [
            ("2099-01-01", "未来"),
            ("2026-10-31", "貸与日より前"),
            ("", "returned_on"),
        ] {
            let (s, v) = call(
                &w,
                &cons,
                M::POST,
                &give_back(&vent),
                Some(json!({ "returned_on": date })),
            )
            .await;
            assert_eq!(s, 422, "{date}: {v}");
            assert!(
                v["fields"]["returned_on"].is_string() && v.to_string().contains(code),
                "{date}: {v}"
            );
        }
        let (s, _) = call(
            &w,
            &cons,
            M::POST,
            &give_back(&suction),
            Some(json!({ "returned_on": "2026-11-15" })),
        )
        .await;
        assert_eq!(s, 404, "the unit is another child's");
        let (_, t) = call(&w, &cons, M::GET, &triage, None).await;
        assert_eq!(t["rows"][3]["estimate"]["minutes"], 665, "nothing changed");
        let (s, v) = call(
            &w,
            &cons,
            M::POST,
            &give_back(&vent),
            Some(json!({ "returned_on": "2026-11-15" })),
        )
        .await;
        assert_eq!(s, 204, "{v}");
        let (s, v) = call(
            &w,
            &cons,
            M::POST,
            &give_back(&vent),
            Some(json!({ "returned_on": "2026-11-15" })),
        )
        .await;
        assert_eq!(s, 422, "{v}");
        assert!(
            v["fields"]["returned_on"]
                .as_str()
                .unwrap()
                .contains("返却済み"),
            "{v}"
        );
        let (_, p) = call(&w, &cons, M::GET, &power(&vent), None).await;
        assert_eq!(p["units"][0]["returned_on"], "2026-11-15", "{p}");
        assert_eq!(p["estimate"]["minutes"], 240, "{p}");
        let (_, t) = call(&w, &cons, M::GET, &triage, None).await;
        assert_eq!(t["rows"][3]["estimate"]["minutes"], 240);
        // Each child's power page says what the list says, including children whose devices
        // are only on the record.
        for row in t["rows"].as_array().unwrap() {
            let (_, p) = call(
                &w,
                &cons,
                M::GET,
                &power(row["child_id"].as_str().unwrap()),
                None,
            )
            .await;
            assert_eq!(p["estimate"], row["estimate"], "{backend}: {p}");
        }
        assert_eq!(t["counts"]["unknown"], 0);

        // Moving out of the area's records (no longer active) takes the child off the list.
        let mut form = child_json("台帳", "ダイチョウ");
        form["municipality_code"] = json!("392049");
        form["status"] = json!("moved_out");
        form["devices"] =
            json!([{ "name": "人工呼吸器", "uses_electricity": true, "battery_minutes": "120" }]);
        let form: store::children::ChildForm = serde_json::from_value(form).unwrap();
        w.app
            .store
            .update_child(
                w.user(Role::Advisor),
                &record,
                &form.draft(test_now()),
                None,
                test_now(),
            )
            .await
            .unwrap();
        let (_, before) = call(&w, &cons, M::GET, &triage, None).await;
        assert_eq!(
            list(&before),
            [suction.clone(), later.clone(), vent.clone()],
            "{backend}: {before}"
        );

        // What was kept step by step equals a computation from scratch.
        w.app.store.rebuild_power_estimates().await.unwrap();
        let (_, after) = call(&w, &cons, M::GET, &triage, None).await;
        assert_eq!(before["rows"], after["rows"], "{backend}");
        assert_eq!(before["counts"], after["counts"], "{backend}");

        // Pages: the counts cover the whole list, rows the page asked for.
        let (s, p) = call(
            &w,
            &cons,
            M::GET,
            &format!("{triage}?offset=1&limit=1"),
            None,
        )
        .await;
        assert_eq!(s, 200, "{p}");
        assert_eq!(list(&p), vec![later.clone()]);
        assert_eq!(
            (p["offset"].as_i64(), p["limit"].as_i64()),
            (Some(1), Some(1))
        );
        assert_eq!(p["counts"]["total"], 3);
        assert_eq!(p["counts"]["not_called"], 3);
        let (_, p) = call(&w, &cons, M::GET, &format!("{triage}?offset=5"), None).await;
        assert_eq!(list(&p).len(), 0);
        for bad in ["limit=0", "limit=1001", "offset=-1", "limit=abc"] {
            let (s, v) = call(&w, &cons, M::GET, &format!("{triage}?{bad}"), None).await;
            assert_eq!(s, 422, "{bad}: {v}");
            assert!(
                v["fields"].as_object().is_some_and(|f| !f.is_empty()),
                "{bad}: {v}"
            );
        }
    }
}

/// The kept estimates are a cache of `domain::power::estimate`: a build whose estimate rules
/// differ (another `ESTIMATE_VERSION`) recomputes all of them when it starts.
#[tokio::test]
async fn estimates_are_recomputed_at_start_up_when_the_rules_change() {
    let w = world("sqlite").await;
    let cons = token_for(&w.app, &w.user(Role::Consultant).login).await;
    let id = child(&w, "人工", "ジンコウ", "392014", Some("90")).await;
    let (s, v) = call(
        &w,
        &cons,
        M::POST,
        "/api/v1/incidents",
        Some(json!({
        "title": "停電", "municipality_codes": ["392014"] })),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let triage = format!("/api/v1/incidents/{}/triage", v["id"].as_str().unwrap());
    let (_, t) = call(&w, &cons, M::GET, &triage, None).await;
    assert_eq!(t["rows"][0]["child_id"], id.as_str());

    // As if the rows had been made by other rules (and lost).
    for sql in [
        "DELETE FROM child_power_estimates",
        "UPDATE store_meta SET value = '0' WHERE key = 'power_estimates'",
    ] {
        store::db::query(sql)
            .execute(w.app.store.pool())
            .await
            .unwrap();
    }
    // The rows are gone (the kept counts of the open incident, a cache like the estimates,
    // are recounted at start-up too).
    let (_, t) = call(&w, &cons, M::GET, &triage, None).await;
    assert_eq!(t["rows"], json!([]));
    let dir = w.app._dir.as_ref().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let restarted = Store::connect(&url).await.unwrap();
    restarted.close().await;
    let (_, t) = call(&w, &cons, M::GET, &triage, None).await;
    assert_eq!(t["counts"]["total"], 1, "{t}");
    assert_eq!(t["rows"][0]["estimate"]["minutes"], 90);
}
