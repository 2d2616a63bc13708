//! 医療的ケアスコア（参考）: watch levels through the JSON API and the child form, the score on
//! the child page and in the registry list (issue 13, item 12).

use domain::Role;
use serde_json::{json, Value};

use crate::*;

fn care_child(care: Value, watch: Value) -> Value {
    let mut v = child_json("見守", "ミマモリ");
    v["medical_care"] = care;
    v["medical_care_watch"] = watch;
    v
}

#[tokio::test]
async fn watch_levels_are_validated_and_scored() {
    for backend in backends() {
        let w = world(backend).await;
        let token = token_for(&w.app, &w.user(Role::Consultant).login).await;
        let care = json!(["ventilator", "tracheostomy", "suction"]);
        // Refused: a level the item lacks, an unknown level, a level for an unticked item.
        let before = w.app.store.audit_count().await.unwrap();
        for watch in [
            json!({"tracheostomy": "mid"}),
            json!({"suction": "urgent"}),
            json!({"oxygen": "high"}),
        ] {
            let (status, v) = call(
                &w,
                &token,
                reqwest::Method::POST,
                "/api/v1/children",
                Some(care_child(care.clone(), watch.clone())),
            )
            .await;
            assert_eq!(status, 422, "{backend}: {watch} should be refused: {v}");
            assert!(
                v["fields"]["medical_care_watch"].is_string(),
                "{backend}: field named in {v}"
            );
        }
        assert_eq!(w.app.store.audit_count().await.unwrap(), before);

        // Ventilator 10 + high 2, tracheostomy 8 (its watch is not added with the ventilator,
        // and not asked for), suction 8 + high 1 = 29.
        let (status, v) = call(
            &w,
            &token,
            reqwest::Method::POST,
            "/api/v1/children",
            Some(care_child(
                care.clone(),
                json!({"ventilator": "high", "suction": "high"}),
            )),
        )
        .await;
        assert_eq!(status, 201, "{backend}: {v}");
        assert_eq!(v["care_score"], json!({"total": 29, "incomplete": false}));
        assert_eq!(v["medical_care_watch"]["ventilator"], "high");
        let id = v["id"].as_str().unwrap().to_string();

        // Dropping the suction's level: 28 and incomplete.
        let (status, v) = call(
            &w,
            &token,
            reqwest::Method::PATCH,
            &format!("/api/v1/children/{id}"),
            Some(json!({"medical_care_watch": {"ventilator": "high"}})),
        )
        .await;
        assert_eq!(status, 200, "{backend}: {v}");
        assert_eq!(v["care_score"], json!({"total": 28, "incomplete": true}));

        let (_, list) = call(&w, &token, reqwest::Method::GET, "/api/v1/children", None).await;
        assert_eq!(
            list["items"][0]["care_score"],
            json!({"total": 28, "incomplete": true}),
            "{backend}: {list}"
        );

        let b = login(&w.app, &w.user(Role::Consultant).login).await;
        let show = get_text(&b.http, format!("{}/children/{id}", b.base)).await;
        assert!(show.contains("医療的ケアスコア（参考）"), "{backend}");
        assert_eq!(text_of_id(&show, "care-score"), "28点（見守り未入力あり）");
        assert!(show.contains("給付や報酬の判定ではありません"));
        assert!(show.contains("見守り：高"));
        let list = get_text(&b.http, format!("{}/children", b.base)).await;
        assert!(
            list.contains("28点（見守り未入力あり）"),
            "{backend}: {list}"
        );

        // The child form: a select per item with watch levels, limited to the item's levels.
        let edit = get_text(&b.http, format!("{}/children/{id}/edit", b.base)).await;
        assert!(edit.contains("id=\"mcw-ventilator\""));
        let trach = &edit[edit.find("id=\"mcw-tracheostomy\"").unwrap()..];
        let trach = &trach[..trach.find("</select>").unwrap()];
        assert!(trach.contains("value=\"high\"") && !trach.contains("value=\"mid\""));
        assert!(
            !edit.contains("id=\"mcw-nebulizer\""),
            "no choice, no select"
        );
        let version = w
            .app
            .store
            .view_child(w.user(Role::Consultant), &id, test_now())
            .await
            .unwrap()
            .version;
        let mut pairs: Vec<(String, String)> = vec![
            ("_csrf".into(), b.csrf.clone()),
            ("version".into(), version.to_string()),
            ("family_name".into(), "見守".into()),
            ("given_name".into(), "花子".into()),
            ("family_name_kana".into(), "ミマモリ".into()),
            ("given_name_kana".into(), "ハナコ".into()),
            ("birth_date".into(), "2022-05-01".into()),
            ("municipality_code".into(), "392014".into()),
            ("medical_care".into(), "ventilator".into()),
            ("medical_care".into(), "suction".into()),
        ];
        for (code, level) in [
            ("ventilator", "mid"),
            ("tracheostomy", "high"), // unticked: its select is ignored
            ("suction", "high"),
        ] {
            pairs.push(("mcw_code".into(), code.into()));
            pairs.push(("mcw".into(), level.into()));
        }
        let r = b
            .http
            .post(format!("{}/children/{id}", b.base))
            .form(&pairs)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{backend}: {}", r.text().await.unwrap());
        let c = w
            .app
            .store
            .view_child(w.user(Role::Consultant), &id, test_now())
            .await
            .unwrap();
        // Ventilator 10 + mid 1, suction 8 + high 1.
        assert_eq!(c.care_score.total, 20);
        assert!(!c.care_score.incomplete);
        assert_eq!(c.form.medical_care_watch.len(), 2);
    }
}

/// The score column, the watch selects and the child page fit 390 px and 768 px wide
/// (no sideways scrolling), in headless Chromium.
#[tokio::test]
async fn score_pages_fit_narrow_screens() {
    use crate::browser::{connect, start_driver, wait_for};
    let driver = start_driver().await;
    let c = connect(&driver).await;
    let w = world("sqlite").await;
    let token = token_for(&w.app, &w.user(Role::Consultant).login).await;
    let (s, v) = call(
        &w,
        &token,
        reqwest::Method::POST,
        "/api/v1/children",
        Some(care_child(
            json!([
                "ventilator",
                "tracheostomy",
                "suction",
                "feeding_pump",
                "tube_feeding_gastric"
            ]),
            json!({"ventilator": "mid"}),
        )),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let base = w.app.addr.clone();
    let run = async {
        c.goto(&format!("{base}/login")).await.unwrap();
        wait_for(&c, "#login")
            .await
            .send_keys(&w.user(Role::Consultant).login)
            .await
            .unwrap();
        wait_for(&c, "#password")
            .await
            .send_keys(PASSWORD)
            .await
            .unwrap();
        wait_for(&c, "#password")
            .await
            .send_keys("\u{E007}")
            .await
            .unwrap();
        wait_for(&c, "#fy-total").await;
        for width in [390u32, 768] {
            c.set_window_size(width, 900).await.unwrap();
            for (path, shown) in [
                ("/children".to_string(), "td.care-score"),
                (format!("/children/{id}"), "#care-score"),
                (format!("/children/{id}/edit"), "#mcw-ventilator"),
            ] {
                c.goto(&format!("{base}{path}")).await.unwrap();
                wait_for(&c, shown).await;
                let v = c
                    .execute(
                        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
                        vec![],
                    )
                    .await
                    .unwrap();
                let (sw, cw) = (v[0].as_i64().unwrap(), v[1].as_i64().unwrap());
                assert!(
                    sw <= cw,
                    "{path} at {width}px scrolls sideways: {sw} > {cw}"
                );
            }
        }
    };
    let result = tokio::time::timeout(std::time::Duration::from_secs(120), run).await;
    let _ = c.clone().close().await;
    drop(driver);
    result.expect("browser check finished in time");
}
