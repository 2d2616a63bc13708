//! Disaster plans, drills and emergency sheets on each backend: versions are kept and
//! compared; a plan without contacts is a draft with a warning; overdue plans reach the home
//! page; drills link to the versions they led to; sheets print per child and per area, and
//! export as CSV.

use domain::Role;
use reqwest::Method as M;
use serde_json::json;
use store::testing::Draft;

use crate::*;

#[tokio::test]
async fn plan_versions_drafts_drills_overdue_and_sheets() {
    for backend in backends() {
        let w = world(backend).await;
        let cons = token_for(&w.app, &w.user(Role::Consultant).login).await;
        let form: store::children::ChildForm =
            serde_json::from_value(child_json("計画", "ケイカク")).unwrap();
        let child = w
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
        let plan = format!("/api/v1/children/{child}/plan");

        // Bad input changes nothing.
        let (s, v) = call(
            &w,
            &cons,
            M::POST,
            &plan,
            Some(json!({ "hazards": ["volcano"], "floor": "999", "agreed_on": "2030-01-01" })),
        )
        .await;
        assert_eq!(s, 422, "{v}");
        assert_eq!(v["fields"].as_object().unwrap().len(), 3, "{v}");
        // No contact: saved as a draft with the warning.
        let (s, v) = call(
            &w,
            &cons,
            M::POST,
            &plan,
            Some(json!({ "hazards": ["flood"], "agreed_on": "2025-10-01",
            "primary": { "kind": "welfare_shelter", "name": "高知市福祉避難所" } })),
        )
        .await;
        assert_eq!(s, 201, "{v}");
        assert_eq!(v["status"], "draft");
        assert_eq!(v["warnings"], json!(["no_contact"]));
        // A drill, then the agreed version it led to.
        let (s, v) = call(&w, &cons, M::POST, &format!("/api/v1/children/{child}/drills"), Some(json!({
            "held_on": "2026-11-15", "participants": "母、訪問看護師、コーディネーター", "scenario": "夜間の停電と浸水",
            "problems": "人工呼吸器の予備バッテリーが1つしかない" }))).await;
        assert_eq!(s, 201, "{v}");
        let drill = v["id"].as_str().unwrap().to_string();
        let (s, _) = call(
            &w,
            &cons,
            M::POST,
            &format!("/api/v1/children/{child}/drills"),
            Some(json!({ "held_on": "2026-12-24", "participants": "", "scenario": "" })),
        )
        .await;
        assert_eq!(s, 422, "future date, empty participants and scenario");
        let (s, v) = call(&w, &cons, M::POST, &plan, Some(json!({ "hazards": ["flood", "power_outage"], "agreed_on": "2025-10-01",
            "primary": { "kind": "welfare_shelter", "name": "高知市福祉避難所" }, "secondary": { "kind": "hospital", "name": "高知医療センター（架空）" },
            "contacts": [{ "name": "計画 父", "relation": "父", "phone": "090-1111-2222" }],
            "diagnoses": "脳性麻痺（架空）", "medicines": "抗てんかん薬（架空）", "allergies": "なし", "drill_id": drill }))).await;
        assert_eq!(s, 201, "{v}");
        assert_eq!(v["version"], 2);
        assert_eq!(v["status"], "agreed");
        let (_, o) = call(&w, &cons, M::GET, &plan, None).await;
        assert_eq!(o["versions"].as_array().unwrap().len(), 2);
        assert_eq!(o["drills"][0]["led_to"], json!([2]));
        // Agreed 2025-10-01 → review due 2026-10-01, before "today" (2026-11-20): overdue.
        assert_eq!(o["overdue"], true);
        assert_eq!(o["latest"]["review_due"], "2026-10-01");
        let (_, d) = call(
            &w,
            &cons,
            M::GET,
            &format!("/api/v1/children/{child}/plan/diff?a=1&b=2"),
            None,
        )
        .await;
        let fields: Vec<&str> = d["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["field"].as_str().unwrap())
            .collect();
        assert!(
            fields.contains(&"hazards")
                && fields.contains(&"contacts")
                && fields.contains(&"secondary.name"),
            "{fields:?}"
        );
        assert!(
            !fields.contains(&"primary.name"),
            "unchanged fields are not listed"
        );

        // The home page lists the overdue plan.
        let b = login(&w.app, &w.user(Role::Consultant).login).await;
        let home = get_text(&b.http, format!("{}/", b.base)).await;
        assert!(
            home.contains("overdue-plans") && home.contains("計画 花子"),
            "{backend}: overdue plan on the home page"
        );

        // Sheets: one child, and the area; the CSV opens in Excel.
        let sheet = get_text(&b.http, format!("{}/children/{child}/sheet", b.base)).await;
        for text in [
            "緊急時情報シート",
            "脳性麻痺（架空）",
            "高知市福祉避難所",
            "090-1111-2222",
            "経管栄養",
        ] {
            assert!(sheet.contains(text), "{backend}: sheet shows {text}");
        }
        let area = get_text(&b.http, format!("{}/sheets?municipality=392014", b.base)).await;
        assert_eq!(area.matches("class=\"sheet a4\"").count(), 1);
        let csv = b
            .http
            .get(format!("{}/sheets.csv?municipality=390003", b.base))
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), 200);
        let text = domain::export::decode_csv_bytes(&csv.bytes().await.unwrap()).unwrap();
        assert!(
            text.contains("計画 花子") && text.contains("抗てんかん薬（架空）"),
            "{text}"
        );
        let (s, v) = call(
            &w,
            &cons,
            M::GET,
            "/api/v1/emergency-sheets?municipality=999999",
            None,
        )
        .await;
        assert_eq!(s, 422, "{v}");
        // Audited.
        let log = w.app.store.audit_for_entity("child", &child).await.unwrap();
        for a in [
            "child.plan.save",
            "child.drill",
            "child.plan.view",
            "child.sheet.view",
        ] {
            assert!(log.iter().any(|r| r.action == a), "{backend}: {a}");
        }
    }
}
