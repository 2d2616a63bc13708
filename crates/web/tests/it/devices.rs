//! One equipment list per child, on each backend. A device entered on the child form is the
//! device the power page, the estimate, the outage triage and the emergency sheet see; the
//! migration that merged the two earlier lists (the record's and the power page's) kept every
//! row of both.

use domain::Role;
use reqwest::Method as M;
use serde_json::json;
use store::testing::Draft;

use crate::*;

/// id, child, position, kind, name, electric, internal minutes, spares.
type DeviceRow = (
    String,
    String,
    i64,
    String,
    Option<String>,
    i64,
    Option<i64>,
    i64,
);

#[tokio::test]
async fn the_merge_into_one_list_keeps_every_row_of_both_lists() {
    for backend in backends() {
        let now = "2026-11-20T01:00:00Z";
        let (url, pool, _dir) = database_before_migration(backend, 17, now).await;
        for (id, family) in [
            ("record_only", "台帳"),
            ("power_only", "電源"),
            ("both", "両方"),
        ] {
            store::db::query(
                "INSERT INTO children (id, center_id, family_name, given_name, family_name_kana, given_name_kana, \
                 search_kana, search_name, birth_date, sex, municipality_code, care_setting, status, status_since, \
                 uses_no_welfare, version, created_at, updated_at) \
                 VALUES ($1, 'c1', $2, '花子', 'カセイ', 'ハナコ', 'カセイハナコ', $2, '2022-05-01', 'female', '392014', \
                 'at_home', 'active', '2022-05-01', 0, 1, $3, $3)",
            )
            .bind(id)
            .bind(family)
            .bind(now)
            .execute(&pool)
            .await
            .unwrap();
        }
        let record = |id: &str,
                      child: &str,
                      pos: i64,
                      name: &str,
                      elec: i64,
                      battery: Option<i64>| {
            store::db::query("INSERT INTO devices (id, child_id, position, name, uses_electricity, battery_minutes) VALUES ($1,$2,$3,$4,$5,$6)")
                .bind(id.to_string())
                .bind(child.to_string())
                .bind(pos)
                .bind(name.to_string())
                .bind(elec)
                .bind(battery)
        };
        let power = |id: &str, child: &str, pos: i64, kind: &str, internal: Option<i64>| {
            store::db::query("INSERT INTO power_devices (id, child_id, position, kind, name, watts, internal_minutes, spare_count, spare_minutes, minutes_per_hour, settings) \
                         VALUES ($1,$2,$3,$4,NULL,60,$5,1,90,60,'設定あり')")
                .bind(id.to_string())
                .bind(child.to_string())
                .bind(pos)
                .bind(kind.to_string())
                .bind(internal)
        };
        record("r1", "record_only", 0, "人工呼吸器", 1, Some(503))
            .execute(&pool)
            .await
            .unwrap();
        record("r2", "record_only", 1, "手動吸引器", 0, None)
            .execute(&pool)
            .await
            .unwrap();
        power("p1", "power_only", 0, "suction", Some(45))
            .execute(&pool)
            .await
            .unwrap();
        power("p2", "both", 0, "suction", Some(30))
            .execute(&pool)
            .await
            .unwrap();
        record("r3", "both", 0, "人工呼吸器", 1, Some(503))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;

        // The product's own start-up runs 0017 and recomputes the kept estimates.
        let store = store::Store::connect(&url).await.unwrap();
        let pool = store::db::Pool::connect_unmigrated(&url, 1).await.unwrap();
        let rows = store::db::query(
            "SELECT id, child_id, position, kind, name, uses_electricity, internal_minutes, spare_count, spare_minutes, settings \
             FROM child_devices ORDER BY child_id, position",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        let got: Vec<DeviceRow> = rows
            .iter()
            .map(|r| {
                (
                    r.try_get::<String>(0).unwrap(),
                    r.try_get::<String>(1).unwrap(),
                    r.try_get::<i64>(2).unwrap(),
                    r.try_get::<String>(3).unwrap(),
                    r.try_get::<Option<String>>(4).unwrap(),
                    r.try_get::<i64>(5).unwrap(),
                    r.try_get::<Option<i64>>(6).unwrap(),
                    r.try_get::<i64>(7).unwrap(),
                )
            })
            .collect();
        let s = |x: &str| x.to_string();
        assert_eq!(
            got,
            vec![
                // Both lists: the power device first, the record's ventilator after it.
                (s("p2"), s("both"), 0, s("suction"), None, 1, Some(30), 1),
                (
                    s("r3"),
                    s("both"),
                    1,
                    s("ventilator"),
                    Some(s("人工呼吸器")),
                    1,
                    Some(503),
                    0
                ),
                (
                    s("p1"),
                    s("power_only"),
                    0,
                    s("suction"),
                    None,
                    1,
                    Some(45),
                    1
                ),
                // Record only: the name states a kind (人工呼吸器) or is kept as その他.
                (
                    s("r1"),
                    s("record_only"),
                    0,
                    s("ventilator"),
                    Some(s("人工呼吸器")),
                    1,
                    Some(503),
                    0
                ),
                (
                    s("r2"),
                    s("record_only"),
                    1,
                    s("other"),
                    Some(s("手動吸引器")),
                    0,
                    None,
                    0
                ),
            ],
            "{backend}"
        );
        // The old tables are gone: nothing can read a second list any more.
        for table in ["devices", "power_devices"] {
            assert!(
                store::db::query(&format!("SELECT 1 FROM {table}"))
                    .fetch_optional(&pool)
                    .await
                    .is_err(),
                "{backend}: {table} should be dropped"
            );
        }
        // The record's ventilator is now in the kept estimate of the child that had both
        // (503 min ventilator, 30 min suction → the suction limits).
        let kinds: Vec<(String, String)> = store::db::query_as(
            "SELECT child_id, device_kinds FROM child_power_estimates ORDER BY child_id",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(
            kinds,
            vec![
                (s("both"), s("suction,ventilator")),
                (s("power_only"), s("suction")),
                (s("record_only"), s("ventilator")),
            ],
            "{backend}"
        );
        pool.close().await;
        store.close().await;
    }
}

#[tokio::test]
async fn a_device_entered_on_the_child_record_is_on_the_power_page_sheet_and_triage() {
    for backend in backends() {
        let w = world(backend).await;
        let adv = token_for(&w.app, &w.user(Role::Advisor).login).await;
        let cons = token_for(&w.app, &w.user(Role::Consultant).login).await;
        let mut j = child_json("加藤", "カトウ");
        j["given_name"] = json!("結衣");
        j["medical_care"] = json!(["ventilator", "tracheostomy", "suction"]);
        j["guardians"] = json!([{ "name": "加藤 母", "relation": "母", "phone": "088-823-1234", "is_primary": true }]);
        j["devices"] = json!([
            { "kind": "ventilator", "name": "トリロジー（架空）", "internal_minutes": "503", "settings": "SIMV 一回換気量 120mL" },
            // The record API's earlier shape still works: a name and battery minutes.
            { "name": "吸引器", "uses_electricity": true, "battery_minutes": "40" },
        ]);
        let (s, v) = call(&w, &adv, M::POST, "/api/v1/children", Some(j.clone())).await;
        assert_eq!(s, 201, "{backend}: {v}");
        let id = v["id"].as_str().unwrap().to_string();

        // The power page lists the same two devices, kinds set.
        let (s, p) = call(
            &w,
            &cons,
            M::GET,
            &format!("/api/v1/children/{id}/power"),
            None,
        )
        .await;
        assert_eq!(s, 200, "{p}");
        let kinds: Vec<&str> = p["devices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["ventilator", "suction"], "{backend}: {p}");
        assert_eq!(p["estimate"]["minutes"], 40, "{p}");

        // The emergency sheet prints the ventilator with its settings, and 未登録 for what
        // nobody entered (no plan yet: blood type, supporters).
        let page = get_html(&w, &adv, &format!("/children/{id}/sheet")).await;
        for want in [
            "人工呼吸器",
            "トリロジー（架空）",
            "SIMV 一回換気量 120mL",
            "吸引器",
            "未登録",
        ] {
            assert!(
                page.contains(want),
                "{backend}: the sheet should show {want}"
            );
        }

        // Saving the power page changes the record's list too (one list).
        let (s, v) = call(&w, &cons, M::PUT, &format!("/api/v1/children/{id}/power"), Some(json!({
            "devices": [
                { "kind": "ventilator", "name": "トリロジー（架空）", "watts": "60", "internal_minutes": "503", "settings": "SIMV 一回換気量 120mL" },
                { "kind": "suction", "watts": "80", "internal_minutes": "45", "minutes_per_hour": "10" },
                { "kind": "other", "name": "手動吸引器", "uses_electricity": false },
            ] }))).await;
        assert_eq!(s, 200, "{v}");
        let (_, c) = call(&w, &adv, M::GET, &format!("/api/v1/children/{id}"), None).await;
        let devices = c["devices"].as_array().unwrap_or_else(|| panic!("{c}"));
        assert_eq!(devices.len(), 3, "{backend}: {c}");
        assert_eq!(devices[2]["uses_electricity"], false);
        assert_eq!(devices[1]["watts"], "80");

        // Bad figures on the child record are refused, naming the row, and change nothing.
        let mut bad = c["devices"].clone();
        bad[0]["watts"] = json!("-60");
        let (s, v) = call(
            &w,
            &adv,
            M::PATCH,
            &format!("/api/v1/children/{id}"),
            Some(json!({ "devices": bad, "version": c["version"] })),
        )
        .await;
        assert_eq!(s, 422, "{backend}: {v}");
        assert!(v["fields"]["devices.0.watts"].is_string(), "{v}");
        // A blank care code is a mistake to report, not to pass over (schemathesis ST201).
        let (s, v) = call(
            &w,
            &adv,
            M::PATCH,
            &format!("/api/v1/children/{id}"),
            Some(json!({ "medical_care": [""] })),
        )
        .await;
        assert_eq!(s, 422, "{backend}: {v}");
        let (_, again) = call(&w, &adv, M::GET, &format!("/api/v1/children/{id}"), None).await;
        assert_eq!(again["devices"], c["devices"], "{backend}");

        // A child whose care needs a ventilator but who has no device or power data is on the
        // outage list first, as 電源情報未登録, and on a lead's home page.
        let mut k = child_json("未入", "ミニュウ");
        k["medical_care"] = json!(["ventilator"]);
        let (s, v) = call(&w, &adv, M::POST, "/api/v1/children", Some(k)).await;
        assert_eq!(s, 201, "{v}");
        let missing = v["id"].as_str().unwrap().to_string();
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
        let (_, t) = call(
            &w,
            &cons,
            M::GET,
            &format!("/api/v1/incidents/{}/triage", v["id"].as_str().unwrap()),
            None,
        )
        .await;
        assert_eq!(t["rows"][0]["child_id"], json!(missing), "{backend}: {t}");
        assert_eq!(
            t["rows"][0]["estimate"]["missing"],
            json!([{ "kind": "no_power_data" }])
        );
        let home = get_html(&w, &adv, "/").await;
        assert!(
            home.contains("id=\"missing-power\"")
                && home.contains("未入 花子")
                && home.contains("電源情報未登録"),
            "{backend}: the advisor's home lists the child"
        );
        let home = get_html(&w, &cons, "/").await;
        assert!(
            !home.contains("id=\"missing-power\""),
            "{backend}: consultants are not leads"
        );
    }
}

/// A page's HTML as the bearer of `token` sees it (200 expected).
async fn get_html(w: &World, token: &str, path: &str) -> String {
    let res = client()
        .get(format!("{}{path}", w.app.addr))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

/// In a real browser: a ventilator typed into the child form (the record's equipment rows)
/// is printed on the child's emergency sheet with its settings. SQLite only, like the other
/// browser tests.
#[tokio::test]
async fn browser_a_ventilator_entered_on_the_child_form_is_on_the_sheet() {
    use crate::browser::{connect, start_driver, wait_for};
    use crate::browser_dispatch::sign_in;
    use fantoccini::Locator;

    let w = world("sqlite").await;
    let form: store::children::ChildForm =
        serde_json::from_value(child_json("呼吸", "コキュウ")).unwrap();
    let id = w
        .app
        .store
        .register_child(
            w.user(Role::Advisor),
            &form.draft(test_now()),
            true,
            test_now(),
        )
        .await
        .unwrap();
    let driver = start_driver().await;
    let c = connect(&driver).await;
    sign_in(&c, &w.app, &w.user(Role::Consultant).login).await;
    c.goto(&format!("{}/children/{id}/edit", w.app.addr))
        .await
        .unwrap();
    wait_for(&c, "#devices-0-kind")
        .await
        .select_by_value("ventilator")
        .await
        .unwrap();
    wait_for(&c, "#devices-0-settings")
        .await
        .send_keys("SIMV 一回換気量 120mL")
        .await
        .unwrap();
    wait_for(&c, "#devices-0-internal")
        .await
        .send_keys("503")
        .await
        .unwrap();
    c.find(Locator::Id("save-child"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    crate::browser::wait_for_path(&c, &format!("/children/{id}")).await;
    assert!(
        c.source().await.unwrap().contains("人工呼吸器"),
        "the child page lists the ventilator"
    );
    c.goto(&format!("{}/children/{id}/sheet", w.app.addr))
        .await
        .unwrap();
    let devices = wait_for(&c, ".sheet-devices").await.text().await.unwrap();
    assert!(
        devices.contains("人工呼吸器")
            && devices.contains("SIMV 一回換気量 120mL")
            && devices.contains("503"),
        "the sheet's devices: {devices}"
    );
    let _ = c.close().await;
}
