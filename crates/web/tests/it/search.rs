//! Search that finds people, and one unregistered person is one person (issue 13, items 5
//! and 6): given-name search in kana and kanji, namesakes never pre-selected on the intake,
//! municipalities typed by name, and repeated calls about the same unregistered person
//! counted once in 実人数.

use chrono::NaiveDate;
use domain::Role;
use reqwest::Method;
use serde_json::{json, Value};
use store::testing::Draft;

use crate::*;

fn urlenc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// How many of the page's child hits are chosen (checked radio `child_id`).
fn chosen_hits(html: &str) -> usize {
    html.split("name=\"child_id\"")
        .skip(1)
        .filter(|rest| rest.split('>').next().unwrap_or("").contains("checked"))
        .count()
}

fn child(family: &str, given: &str, family_kana: &str, given_kana: &str, birth: &str) -> Value {
    json!({
        "family_name": family, "given_name": given,
        "family_name_kana": family_kana, "given_name_kana": given_kana,
        "birth_date": birth, "sex": "female", "municipality_code": "392014",
        "medical_care": [], "welfare_services": []
    })
}

async fn search_ids(w: &World, token: &str, q: &str) -> Vec<String> {
    let (s, v) = call(
        w,
        token,
        Method::GET,
        &format!("/api/v1/children?q={}", urlenc(q)),
        None,
    )
    .await;
    assert_eq!(s, 200, "{q}: {v}");
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn search_finds_family_given_and_full_name_in_kana_and_kanji() {
    for backend in backends() {
        let w = world(backend).await;
        let token = token_for(&w.app, "kochi.advisor").await;
        let (s, v) = call(
            &w,
            &token,
            Method::POST,
            "/api/v1/children",
            Some(child("山田", "花子", "ヤマダ", "ハナコ", "2021-04-01")),
        )
        .await;
        assert_eq!(s, 201, "{v}");
        let hanako = v["id"].as_str().unwrap().to_string();
        let (s, v) = call(
            &w,
            &token,
            Method::POST,
            "/api/v1/children",
            Some(child("小松", "こはる", "コマツ", "コハル", "2020-06-01")),
        )
        .await;
        assert_eq!(s, 201, "{v}");
        let koharu = v["id"].as_str().unwrap().to_string();
        for q in [
            "山田花子",
            "山田 花子",
            "山田　花子",
            "はなこ",
            "ハナコ",
            "ﾊﾅｺ",
            "花子",
            "花",
            "やまだはなこ",
            "やまだ はなこ",
            "ヤマダ",
            "山田",
        ] {
            assert_eq!(
                search_ids(&w, &token, q).await,
                vec![hanako.clone()],
                "{backend}: {q}"
            );
        }
        for q in ["こはる", "コハル", "小松こはる", "こまつ こはる"] {
            assert_eq!(
                search_ids(&w, &token, q).await,
                vec![koharu.clone()],
                "{backend}: {q}"
            );
        }
        assert!(search_ids(&w, &token, "はなこやまだ").await.is_empty());
        // The given-name keys follow an edit.
        let (_, cur) = call(
            &w,
            &token,
            Method::GET,
            &format!("/api/v1/children/{hanako}"),
            None,
        )
        .await;
        let (s, v) = call(
            &w,
            &token,
            Method::PATCH,
            &format!("/api/v1/children/{hanako}"),
            Some(json!({ "given_name": "華子", "given_name_kana": "はなこ", "version": cur["version"] })),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        assert!(search_ids(&w, &token, "花子").await.is_empty(), "{backend}");
        assert_eq!(search_ids(&w, &token, "華子").await, vec![hanako.clone()]);
        // Keyset pagination over a given-name search walks each hit once.
        for (fam, fk) in [("青木", "アオキ"), ("井上", "イノウエ"), ("上田", "ウエダ")]
        {
            let (s, _) = call(
                &w,
                &token,
                Method::POST,
                "/api/v1/children",
                Some(child(fam, "花子", fk, "ハナコ", "2019-01-01")),
            )
            .await;
            assert_eq!(s, 201);
        }
        let mut seen = Vec::new();
        let mut after = String::new();
        loop {
            let (_, v) = call(
                &w,
                &token,
                Method::GET,
                &format!(
                    "/api/v1/children?q={}&limit=2&after={}",
                    urlenc("はなこ"),
                    urlenc(&after)
                ),
                None,
            )
            .await;
            for c in v["items"].as_array().unwrap() {
                seen.push(c["id"].as_str().unwrap().to_string());
            }
            match v["next"].as_str() {
                Some(n) => after = n.to_string(),
                None => break,
            }
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!((seen.len(), unique.len()), (4, 4), "{backend}: {seen:?}");
    }
}

#[tokio::test]
async fn intake_shows_namesakes_and_preselects_none() {
    for backend in backends() {
        let w = world(backend).await;
        let advisor = w.user(Role::Advisor);
        for birth in ["2021-04-01", "2023-09-09"] {
            let form: store::children::ChildForm =
                serde_json::from_value(child("森", "こはる", "モリ", "コハル", birth)).unwrap();
            w.app
                .store
                .register_child(advisor, &form.draft(test_now()), true, test_now())
                .await
                .unwrap();
        }
        let b = login(&w.app, "kochi.advisor").await;
        for url in [
            format!("{}/intake/child-search?q={}", b.base, urlenc("こはる")),
            format!("{}/intake?q={}", b.base, urlenc("森こはる")),
        ] {
            let html = get_text(&b.http, &url).await;
            assert_eq!(
                html.matches("name=\"child_id\"").count(),
                2,
                "{backend}: {html}"
            );
            assert!(html.contains("2021-04-01") && html.contains("2023-09-09"));
            assert_eq!(chosen_hits(&html), 0, "{backend}: nothing chosen: {url}");
        }
        // One exact hit may be chosen in advance; a partial one may not.
        let form: store::children::ChildForm =
            serde_json::from_value(child("林", "一花", "ハヤシ", "イチカ", "2022-02-02")).unwrap();
        w.app
            .store
            .register_child(advisor, &form.draft(test_now()), true, test_now())
            .await
            .unwrap();
        let exact = get_text(
            &b.http,
            format!(
                "{}/intake/child-search?q={}",
                b.base,
                urlenc("はやし いちか")
            ),
        )
        .await;
        assert_eq!(chosen_hits(&exact), 1, "{backend}: {exact}");
        let partial = get_text(
            &b.http,
            format!("{}/intake/child-search?q={}", b.base, urlenc("はやし")),
        )
        .await;
        assert!(
            partial.contains("林 一花") && chosen_hits(&partial) == 0,
            "{backend}"
        );
    }
}

#[tokio::test]
async fn municipality_by_name_accepted_unknown_and_ambiguous_refused() {
    for backend in backends() {
        let w = world(backend).await;
        let token = token_for(&w.app, "kochi.advisor").await;
        let mut body = child("川口", "葵", "カワグチ", "アオイ", "2021-01-01");
        body["municipality_code"] = json!("高知市");
        let (s, v) = call(
            &w,
            &token,
            Method::POST,
            "/api/v1/children",
            Some(body.clone()),
        )
        .await;
        assert_eq!(s, 201, "{backend}: {v}");
        assert_eq!(v["municipality_code"], "392014", "{v}");
        body["municipality_code"] = json!("世田谷区");
        body["family_name"] = json!("川上");
        body["family_name_kana"] = json!("カワカミ");
        let (s, v) = call(
            &w,
            &token,
            Method::POST,
            "/api/v1/children",
            Some(body.clone()),
        )
        .await;
        assert_eq!(s, 201, "{backend}: {v}");
        assert!(v["municipality_code"].as_str().unwrap().starts_with("13"));
        let before = search_ids(&w, &token, "").await.len();
        body["family_name"] = json!("川西");
        body["family_name_kana"] = json!("カワニシ");
        body["municipality_code"] = json!("架空市");
        let (s, v) = call(
            &w,
            &token,
            Method::POST,
            "/api/v1/children",
            Some(body.clone()),
        )
        .await;
        assert_eq!(s, 422, "{v}");
        assert!(
            v["fields"]["municipality_code"]
                .as_str()
                .unwrap()
                .contains("架空市"),
            "{v}"
        );
        body["municipality_code"] = json!("府中市");
        let (s, v) = call(
            &w,
            &token,
            Method::POST,
            "/api/v1/children",
            Some(body.clone()),
        )
        .await;
        assert_eq!(s, 422, "{v}");
        let msg = v["fields"]["municipality_code"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            msg.contains("東京都府中市") && msg.contains("広島県府中市"),
            "{msg}"
        );
        assert_eq!(
            search_ids(&w, &token, "").await.len(),
            before,
            "nothing written"
        );

        // The child form: the name is accepted, the ambiguous one offered as choices.
        let b = login(&w.app, "kochi.advisor").await;
        let form = |muni: &str, pick: &str| {
            vec![
                ("_csrf".to_string(), b.csrf.clone()),
                ("family_name".into(), "川原".into()),
                ("given_name".into(), "葵".into()),
                ("family_name_kana".into(), "かわはら".into()),
                ("given_name_kana".into(), "あおい".into()),
                ("birth_date".into(), "2021-01-01".into()),
                ("sex".into(), "female".into()),
                ("municipality_code".into(), muni.to_string()),
                ("municipality_pick".into(), pick.to_string()),
                ("care_setting".into(), "at_home".into()),
                ("status".into(), "active".into()),
            ]
        };
        let r = b
            .http
            .post(format!("{}/children", b.base))
            .form(&form("伊達市", ""))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let html = r.text().await.unwrap();
        assert!(
            html.contains("name=\"municipality_pick\"")
                && html.contains("北海道伊達市")
                && html.contains("福島県伊達市"),
            "{backend}: {html}"
        );
        let fukushima = domain::municipality::find_by_name("伊達市")
            .into_iter()
            .find(|g| g.code.starts_with("07"))
            .unwrap()
            .code
            .clone();
        let r = b
            .http
            .post(format!("{}/children", b.base))
            .form(&form("伊達市", &fukushima))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{backend}");
        let r = b
            .http
            .post(format!("{}/children", b.base))
            .form(&form("こうちし", ""))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            409,
            "{backend}: same child again is a possible duplicate, so the name passed"
        );
    }
}

#[tokio::test]
async fn three_calls_about_one_unregistered_person_count_once() {
    for backend in backends() {
        let w = world(backend).await;
        let token = token_for(&w.app, "kochi.consultant").await;
        let base = json!({
            "channel": "phone", "requester_kind": "family", "topics": ["short_stay"],
            "summary": "短期入所の相談",
        });
        let mut ids = Vec::new();
        for (i, (name, kana)) in [
            ("大野 まり", "オオノ マリ"),
            ("大野　まり", "ｵｵﾉﾏﾘ"),
            ("大野まり", "おおの まり"),
        ]
        .iter()
        .enumerate()
        {
            let mut body = base.clone();
            body["occurred_at"] = json!(format!("2026-11-0{}T10:00", i + 2));
            body["person"] = json!({ "name": name, "name_kana": kana });
            let (s, v) = call(
                &w,
                &token,
                Method::POST,
                "/api/v1/consultations",
                Some(body),
            )
            .await;
            assert_eq!(s, 201, "{backend}: {v}");
            assert_eq!(v["person_linked"], json!(i > 0), "{backend}: call {i}: {v}");
            ids.push(v["person_id"].as_str().unwrap().to_string());
        }
        assert!(ids.iter().all(|p| *p == ids[0]), "{backend}: {ids:?}");
        // A different person of another name, and one said to be different, are new.
        let mut other = base.clone();
        other["person"] = json!({ "name": "大野 まりこ", "name_kana": "おおの まりこ" });
        let (_, v) = call(
            &w,
            &token,
            Method::POST,
            "/api/v1/consultations",
            Some(other),
        )
        .await;
        assert_eq!(v["person_linked"], false);
        assert_ne!(v["person_id"], json!(ids[0]));

        let actor = w.user(Role::Advisor);
        let day = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let fy = w
            .app
            .store
            .consultation_report(actor, day("2026-04-01"), day("2027-03-31"))
            .await
            .unwrap();
        assert_eq!((fy.total, fy.distinct_people), (4, 2), "{backend}");
        let scanned = w
            .app
            .store
            .consultation_report_scanned(actor, day("2026-04-01"), day("2027-03-31"))
            .await
            .unwrap();
        assert_eq!(
            serde_json::to_value(&fy).unwrap(),
            serde_json::to_value(&scanned).unwrap()
        );
        w.app.store.rebuild_consultation_stats().await.unwrap();
        let rebuilt = w
            .app
            .store
            .consultation_report(actor, day("2026-04-01"), day("2027-03-31"))
            .await
            .unwrap();
        assert_eq!(
            serde_json::to_value(&rebuilt).unwrap(),
            serde_json::to_value(&fy).unwrap()
        );

        // The intake offers the earlier person; saying "different" records a new one.
        let b = login(&w.app, "kochi.consultant").await;
        let part = get_text(
            &b.http,
            format!(
                "{}/intake/person-match?person_name={}&person_kana={}",
                b.base,
                urlenc("大野 まり"),
                urlenc("ｵｵﾉ ﾏﾘ")
            ),
        )
        .await;
        assert!(
            part.contains("同じ方ですか？ 大野 まりさん（前回 2026-11-04）")
                && part.contains(&format!("value=\"{}\"", ids[0]))
                && !part.contains("<html"),
            "{backend}: {part}"
        );
        let none = get_text(
            &b.http,
            format!(
                "{}/intake/person-match?person_name={}",
                b.base,
                urlenc("別人")
            ),
        )
        .await;
        assert!(!none.contains("同じ方"), "{backend}");
        let post = |subject: &'static str, distinct: &'static str| {
            vec![
                ("_csrf", b.csrf.clone()),
                ("subject", subject.to_string()),
                ("person_id", ids[0].clone()),
                ("person_name", "大野まり".to_string()),
                ("person_kana", "おおのまり".to_string()),
                ("person_distinct", distinct.to_string()),
                ("channel", "phone".to_string()),
                ("requester_kind", "family".to_string()),
                ("occurred_at", "2026-11-10T10:00".to_string()),
                ("topics", "short_stay".to_string()),
                ("summary", "再度の相談".to_string()),
            ]
        };
        for (subject, distinct) in [("existing", ""), ("person", ""), ("person", "1")] {
            let r = b
                .http
                .post(format!("{}/intake", b.base))
                .form(&post(subject, distinct))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 303, "{backend}: {subject} {distinct}");
        }
        let fy = w
            .app
            .store
            .consultation_report(actor, day("2026-04-01"), day("2027-03-31"))
            .await
            .unwrap();
        assert_eq!((fy.total, fy.distinct_people), (7, 3), "{backend}");
    }
}

#[tokio::test]
async fn migration_0019_fills_the_new_keys_of_existing_rows() {
    let key = domain::kana::normalize_for_search;
    for backend in backends() {
        let now = "2026-11-20T01:00:00Z";
        let (url, pool, _dir) = database_before_migration(backend, 19, now).await;
        // (id, family, given, family kana, given kana) as the store wrote them before 0019.
        let children = [
            ("a", "山田", "花子", "ヤマダ", "ハナコ"),
            ("b", "髙橋", "ゆう こ", "タカハシ", "ユウ コ"),
            ("c", "Smith", "Mary", "スミス", "メアリー"),
        ];
        for (id, fam, given, fk, gk) in children {
            store::db::query(
                "INSERT INTO children (id, center_id, family_name, given_name, family_name_kana, given_name_kana, \
                 search_kana, search_name, birth_date, sex, municipality_code, care_setting, status, status_since, \
                 uses_no_welfare, version, created_at, updated_at) \
                 VALUES ($1, 'c1', $2, $3, $4, $5, $6, $7, '2022-05-01', 'female', '392014', \
                 'at_home', 'active', '2022-05-01', 0, 1, $8, $8)",
            )
            .bind(id)
            .bind(fam)
            .bind(given)
            .bind(fk)
            .bind(gk)
            .bind(key(&format!("{fk}{gk}")))
            .bind(key(&format!("{fam}{given}")))
            .bind(now)
            .execute(&pool)
            .await
            .unwrap();
        }
        for (id, name, kana, anonymous) in [
            ("p1", Some("大野 まり"), Some("オオノ マリ"), 0),
            ("p2", Some("大野まり"), None, 0),
            ("p3", None, None, 1),
        ] {
            store::db::query("INSERT INTO persons (id, center_id, name, name_kana, anonymous, created_at) VALUES ($1, 'c1', $2, $3, $4, $5)")
                .bind(id)
                .bind(name)
                .bind(kana)
                .bind(anonymous)
                .bind(now)
                .execute(&pool)
                .await
                .unwrap();
        }
        // 0019 itself fills the children's keys exactly for these names.
        let dir = format!(
            "{}/../store/migrations/{}",
            env!("CARGO_MANIFEST_DIR"),
            if backend == "sqlite" {
                "sqlite"
            } else {
                "postgres"
            }
        );
        pool.run_migrator(
            &sqlx::migrate::Migrator::new(std::path::Path::new(&dir))
                .await
                .unwrap(),
        )
        .await
        .unwrap();
        let keys_of = |pool: store::db::Pool| async move {
            let rows: Vec<(String, String, String)> = store::db::query_as(
                "SELECT id, search_given_kana, search_given_name FROM children ORDER BY id",
            )
            .fetch_all(&pool)
            .await
            .unwrap();
            rows
        };
        let want: Vec<(String, String, String)> = children
            .iter()
            .map(|(id, _, given, _, gk)| (id.to_string(), key(gk), key(given)))
            .collect();
        assert_eq!(
            keys_of(pool.clone()).await,
            want,
            "{backend}: filled by 0019"
        );
        pool.close().await;

        // The product's start-up makes every key exact (the persons' names were only
        // stripped of spaces by SQL).
        let store = store::Store::connect(&url).await.unwrap();
        let pool = store::db::Pool::connect_unmigrated(&url, 1).await.unwrap();
        assert_eq!(
            keys_of(pool.clone()).await,
            want,
            "{backend}: after start-up"
        );
        let persons: Vec<(String, Option<String>, Option<String>)> =
            store::db::query_as("SELECT id, search_name, search_kana FROM persons ORDER BY id")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(
            persons,
            vec![
                (
                    "p1".into(),
                    Some(key("大野 まり")),
                    Some(key("オオノ マリ"))
                ),
                ("p2".into(), Some(key("大野まり")), Some(String::new())),
                ("p3".into(), None, None),
            ],
            "{backend}"
        );
        pool.close().await;
        store.close().await;
    }
}
