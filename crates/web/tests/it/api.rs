//! JSON API: the use cases, every listed bad input (422 with the field named, nothing written),
//! and the report's 延べ件数 / 実人数 arithmetic.

use domain::Role;
use serde_json::{json, Value};

use crate::*;

struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    async fn new(w: &World, role: Role) -> Api {
        Api {
            http: client(),
            base: w.app.addr.clone(),
            token: token_for(&w.app, &w.user(role).login).await,
        }
    }
    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }
    async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .patch(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }
    async fn get(&self, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }
}

fn with(mut v: Value, key: &str, val: Value) -> Value {
    v[key] = val;
    v
}

#[tokio::test]
async fn child_bad_inputs_are_422_with_field_and_write_nothing() {
    for backend in backends() {
        let w = world(backend).await;
        let api = Api::new(&w, Role::Consultant).await;
        let base = child_json("山田", "ヤマダ");
        let cases = vec![
            (
                with(base.clone(), "municipality_code", json!("392015")),
                "municipality_code",
            ), // wrong check digit
            (
                with(base.clone(), "municipality_code", json!("999997")),
                "municipality_code",
            ), // unknown (valid check digit)
            (
                with(base.clone(), "birth_date", json!("2030-01-01")),
                "birth_date",
            ),
            (
                with(base.clone(), "birth_date", json!("2021-02-30")),
                "birth_date",
            ),
            (
                with(base.clone(), "family_name_kana", json!("山田")),
                "family_name_kana",
            ),
            (
                with(base.clone(), "given_name_kana", json!("hanako")),
                "given_name_kana",
            ),
            (
                with(base.clone(), "family_name", json!("  ")),
                "family_name",
            ),
            (
                with(base.clone(), "family_name", json!("あ".repeat(51))),
                "family_name",
            ),
            (
                with(base.clone(), "notes", json!("x".repeat(4001))),
                "notes",
            ),
            (
                with(base.clone(), "medical_care", json!(["flying"])),
                "medical_care",
            ),
            (
                with(base.clone(), "welfare_services", json!(["teleport"])),
                "welfare_services",
            ),
            (with(base.clone(), "sex", json!("x")), "sex"),
            (with(base.clone(), "birth_date", json!(20220501)), "body"),
        ];
        let before = w.app.store.audit_count().await.unwrap();
        for (body, field) in cases {
            let (status, v) = api.post("/api/v1/children", body.clone()).await;
            assert_eq!(status, 422, "{backend}: {body} should be refused");
            assert_eq!(v["error"], "invalid");
            assert!(
                v["fields"][field].is_string(),
                "{backend}: field {field} named in {v}"
            );
            assert!(!v["message"].as_str().unwrap().is_empty());
        }
        assert_eq!(
            w.app.store.audit_count().await.unwrap(),
            before,
            "{backend}: rejected input wrote nothing"
        );
        let (_, list) = api.get("/api/v1/children").await;
        assert_eq!(list["items"].as_array().unwrap().len(), 0);
        // The message follows the user's language.
        let r = client()
            .post(format!("{}/api/v1/children", w.app.addr))
            .bearer_auth(&api.token)
            .header("cookie", "tsunagu_lang=en")
            .json(&with(base.clone(), "birth_date", json!("2030-01-01")))
            .send()
            .await
            .unwrap();
        let v: Value = r.json().await.unwrap();
        assert!(
            v["fields"]["birth_date"].as_str().unwrap().is_ascii(),
            "English message: {v}"
        );
    }
}

#[tokio::test]
async fn child_create_duplicate_search_and_patch() {
    for backend in backends() {
        let w = world(backend).await;
        let api = Api::new(&w, Role::Consultant).await;
        let (s, child) = api
            .post("/api/v1/children", child_json("髙橋", "タカハシ"))
            .await;
        assert_eq!(s, 201, "{child}");
        let id = child["id"].as_str().unwrap().to_string();
        assert_eq!(child["family_name_kana"], "タカハシ");
        assert_eq!(
            child["medical_care"],
            json!(["suction", "tube_feeding_gastric"])
        );
        assert_eq!(child["uses_no_welfare"], true);
        // Same kana (typed in half-width) and birth date: warned, then allowed when confirmed.
        let dup = with(
            child_json("高橋", "ﾀｶﾊｼ"),
            "given_name_kana",
            json!("はなこ"),
        );
        let (s, v) = api.post("/api/v1/children", dup.clone()).await;
        assert_eq!(s, 409);
        assert_eq!(v["candidates"][0]["id"], id.as_str());
        let (s, _) = api
            .post(
                "/api/v1/children",
                with(dup, "confirm_duplicate", json!(true)),
            )
            .await;
        assert_eq!(s, 201);
        // Search finds both by hiragana, katakana, half-width and the kanji variant.
        for q in [
            "たかはし",
            "タカハシ",
            "ﾀｶﾊｼ",
            "髙橋",
            "高橋",
            "たかはしはなこ",
        ] {
            let (_, v) = api.get(&format!("/api/v1/children?q={}", urlenc(q))).await;
            assert_eq!(
                v["items"].as_array().unwrap().len(),
                2,
                "{backend}: search {q}"
            );
        }
        let (_, v) = api
            .get("/api/v1/children?no_welfare=true&medical_care=suction&age_band=3-5")
            .await;
        assert_eq!(v["items"].as_array().unwrap().len(), 2);
        let (_, v) = api.get("/api/v1/children?age_band=0-2").await;
        assert_eq!(v["items"].as_array().unwrap().len(), 0);
        // Keyset pagination walks every child exactly once.
        let (_, p1) = api.get("/api/v1/children?limit=1").await;
        let next = p1["next"].as_str().unwrap();
        let (_, p2) = api
            .get(&format!("/api/v1/children?limit=1&after={}", urlenc(next)))
            .await;
        assert_ne!(p1["items"][0]["id"], p2["items"][0]["id"]);
        assert!(p2["next"].is_null());
        // PATCH changes only what is sent; a stale version is a conflict.
        let (s, v) = api
            .patch(
                &format!("/api/v1/children/{id}"),
                json!({"welfare_services": ["child_development"], "version": 1}),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["uses_no_welfare"], false);
        assert_eq!(v["family_name"], "髙橋");
        let (s, _) = api
            .patch(
                &format!("/api/v1/children/{id}"),
                json!({"notes": "x", "version": 1}),
            )
            .await;
        assert_eq!(s, 409);
        let (s, v) = api
            .patch(
                &format!("/api/v1/children/{id}"),
                json!({"municipality_code": "123456"}),
            )
            .await;
        assert_eq!(s, 422);
        assert!(v["fields"]["municipality_code"].is_string());
        let (s, _) = api.get("/api/v1/children/not-a-child").await;
        assert_eq!(s, 404);
    }
}

fn urlenc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn consultation_bad_inputs_and_report_counts() {
    for backend in backends() {
        let w = world(backend).await;
        let api = Api::new(&w, Role::Consultant).await;
        let (_, a) = api
            .post("/api/v1/children", child_json("佐藤", "サトウ"))
            .await;
        let (_, b) = api
            .post("/api/v1/children", child_json("鈴木", "スズキ"))
            .await;
        let ok = json!({"occurred_at": "2026-11-20T09:30", "channel": "phone", "requester_kind": "family", "child_id": a["id"], "topics": ["medical_care"], "summary": "胃ろうの相談"});
        let before = w.app.store.audit_count().await.unwrap();
        for (body, field) in [
            (with(ok.clone(), "channel", json!("pigeon")), "channel"),
            (
                with(ok.clone(), "requester_kind", json!("alien")),
                "requester_kind",
            ),
            (with(ok.clone(), "topics", json!(["weather"])), "topics"),
            (with(ok.clone(), "topics", json!([])), "topics"),
            (
                with(ok.clone(), "occurred_at", json!("2026-12-24T10:00")),
                "occurred_at",
            ),
            (with(ok.clone(), "summary", json!("")), "summary"),
            (
                with(ok.clone(), "summary", json!("x".repeat(4001))),
                "summary",
            ),
            (with(ok.clone(), "child_id", json!("nope")), "child_id"),
            (
                with(ok.clone(), "duration_minutes", json!(-5)),
                "duration_minutes",
            ),
            (
                with(
                    ok.clone(),
                    "person",
                    json!({"name": "", "name_kana": "やまだ"}),
                ),
                "person.name",
            ),
        ] {
            let (s, v) = api.post("/api/v1/consultations", body.clone()).await;
            assert_eq!(s, 422, "{backend}: {body}");
            assert!(v["fields"][field].is_string(), "{backend}: {field} in {v}");
        }
        assert_eq!(w.app.store.audit_count().await.unwrap(), before);
        // 延べ: 5 consultations. 実人数: child a, child b, one named person = 3. 不明: 1 anonymous + 1 nobody.
        for body in [
            ok.clone(),
            with(ok.clone(), "topics", json!(["medical_care", "school"])),
            with(
                with(ok.clone(), "child_id", b["id"].clone()),
                "channel",
                json!("email"),
            ),
            json!({"channel": "phone", "requester_kind": "hospital", "person": {"name": "山本 様", "name_kana": "やまもと"}, "topics": ["discharge"], "summary": "退院調整"}),
            json!({"channel": "phone", "requester_kind": "family", "person": {"anonymous": true}, "topics": ["other"], "summary": "匿名の相談"}),
            json!({"channel": "phone", "requester_kind": "other", "topics": ["other"], "summary": "一般的な問い合わせ", "occurred_at": "2026-03-31T23:59"}),
        ] {
            let (s, v) = api.post("/api/v1/consultations", body).await;
            assert_eq!(s, 201, "{backend}: {v}");
        }
        let (s, r) = api
            .get("/api/v1/reports/consultations?from=2026-04-01&to=2027-03-31")
            .await;
        assert_eq!(s, 200);
        assert_eq!(r["total"], 5, "{r}");
        assert_eq!(r["distinct_people"], 3, "{r}");
        assert_eq!(r["unidentified"], 1, "{r}");
        // Code-list order, zero rows included.
        let channels: Vec<(String, i64)> = r["by_channel"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["key"].as_str().unwrap().to_string(),
                    c["count"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(channels[0], ("phone".to_string(), 4));
        assert_eq!(channels[1], ("email".to_string(), 1));
        assert!(channels[2..].iter().all(|(_, n)| *n == 0), "{channels:?}");
        let topic = |code: &str| {
            r["by_topic"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["key"] == code)
                .map(|c| c["count"].as_i64().unwrap())
        };
        assert_eq!(topic("medical_care"), Some(3));
        assert_eq!(topic("school"), Some(1));
        let months = r["by_month"].as_array().unwrap();
        assert_eq!(months.len(), 12, "April to March: {r}");
        assert_eq!(months[0]["key"], "2026-04");
        assert_eq!(months[7], json!({"key": "2026-11", "count": 5}));
        assert_eq!(months[11]["key"], "2027-03");
        // 2026-03-31 23:59 JST belongs to the previous fiscal year.
        let (_, r) = api
            .get("/api/v1/reports/consultations?from=2026-03-31&to=2026-03-31")
            .await;
        assert_eq!(r["total"], 1);
        assert_eq!(r["unidentified"], 1);
        let (s, v) = api
            .get("/api/v1/reports/consultations?from=2026-13-01")
            .await;
        assert_eq!(s, 422, "{v}");
        let (s, _) = api
            .get("/api/v1/reports/consultations?from=2026-05-01&to=2026-04-01")
            .await;
        assert_eq!(s, 422);
        // Follow-up: list filter, then PATCH followup_done closes it.
        let (s, c) = api
            .post(
                "/api/v1/consultations",
                with(ok.clone(), "followup_due", json!("2026-11-22")),
            )
            .await;
        assert_eq!(s, 201);
        assert_eq!(
            c["followup_assignee_id"],
            w.user(Role::Consultant).user_id.as_str()
        );
        let (_, open) = api.get("/api/v1/consultations?open_followups=true").await;
        assert_eq!(open["items"].as_array().unwrap().len(), 1);
        let (s, done) = api
            .patch(
                &format!("/api/v1/consultations/{}", c["id"].as_str().unwrap()),
                json!({"followup_done": true}),
            )
            .await;
        assert_eq!(s, 200);
        assert!(done["followup_done_at"].is_string());
        let (_, open) = api.get("/api/v1/consultations?open_followups=true").await;
        assert_eq!(open["items"].as_array().unwrap().len(), 0);
        let (_, list) = api.get("/api/v1/consultations?topic=school").await;
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
    }
}

#[tokio::test]
async fn openapi_documents_every_api_route_and_nothing_else() {
    let doc = web::openapi::document();
    let paths = doc["paths"].as_object().unwrap();
    let mut documented: Vec<String> = Vec::new();
    for (p, ops) in paths {
        for m in ["get", "post", "patch", "put", "delete"] {
            if ops.get(m).is_some() {
                documented.push(format!("{} {p}", m.to_uppercase()));
            }
        }
    }
    let mut declared: Vec<String> = web::policy::specs()
        .iter()
        .filter(|s| s.path.starts_with("/api/"))
        .map(|s| format!("{} {}", s.method, s.path))
        .collect();
    documented.sort();
    declared.sort();
    assert_eq!(documented, declared);
}
