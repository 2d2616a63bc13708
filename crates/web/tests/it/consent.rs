//! Consent records and referrals: another center reads a child only through a referral that
//! rests on a consent in force naming it (or an audited override by an advisor or admin).

use domain::Role;
use store::testing::Draft;

use crate::*;

fn consent_json(to: &str) -> serde_json::Value {
    serde_json::json!({
        "recipient_kind": "other_center", "recipient_code": to, "recipient_name": "奈良テスト",
        "items": ["basic", "medical"], "given_on": "2026-11-10", "given_by": "母 試験花子",
        "method": "written", "expires_on": "2027-11-09"
    })
}

#[tokio::test]
async fn referral_needs_consent_then_the_other_center_reads_until_withdrawal() {
    for backend in backends() {
        let w = world(backend).await;
        let adv = w.user(Role::Advisor);
        let form: store::children::ChildForm =
            serde_json::from_value(child_json("紹介", "ショウカイ")).unwrap();
        let child = w
            .app
            .store
            .register_child(adv, &form.draft(test_now()), true, test_now())
            .await
            .unwrap();
        let consultant = token_for(&w.app, &w.user(Role::Consultant).login).await;
        let nara = token_for(&w.app, &w.other_user(Role::Consultant).login).await;
        let api = |path: String| format!("{}/api/v1/children/{child}/{path}", w.app.addr);
        let child_url = format!("{}/api/v1/children/{child}", w.app.addr);
        // Nara cannot see the child.
        let r = client()
            .get(&child_url)
            .bearer_auth(&nara)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        // Referral without consent: refused with a clear message, audited, nothing shared.
        let r = client()
            .post(api("referrals".into()))
            .bearer_auth(&consultant)
            .json(&serde_json::json!({"to_center": "nara"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(
            body["fields"]["to_center"]
                .as_str()
                .unwrap()
                .contains("同意"),
            "{body}"
        );
        let r = client()
            .get(&child_url)
            .bearer_auth(&nara)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{backend}: still not shared");
        // A consultant cannot override; the reason is ignored for that role.
        let r = client()
            .post(api("referrals".into()))
            .bearer_auth(&consultant)
            .json(&serde_json::json!({"to_center": "nara", "override_reason": "緊急のため同意を待てない状況です"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        // Bad consent input: every field error at once, nothing stored.
        let r = client()
            .post(api("consents".into()))
            .bearer_auth(&consultant)
            .json(&serde_json::json!({"recipient_kind": "other_center", "recipient_code": "kochi", "items": [], "given_on": "2030-01-01", "method": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let body: serde_json::Value = r.json().await.unwrap();
        for f in ["recipient_name", "items", "given_on", "given_by", "method"] {
            assert!(body["fields"][f].is_string(), "{backend}: {f} in {body}");
        }
        // Own center as recipient is refused.
        let r = client()
            .post(api("consents".into()))
            .bearer_auth(&consultant)
            .json(&consent_json("kochi"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let list: serde_json::Value = client()
            .get(api("consents".into()))
            .bearer_auth(&consultant)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["consents"].as_array().unwrap().len(), 0);
        // With consent: the referral is made and Nara reads (not edits) the record.
        let r = client()
            .post(api("consents".into()))
            .bearer_auth(&consultant)
            .json(&consent_json("nara"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let consent_id = r.json::<serde_json::Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let r = client()
            .post(api("referrals".into()))
            .bearer_auth(&consultant)
            .json(&serde_json::json!({"to_center": "nara"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{backend}");
        let r = client()
            .get(&child_url)
            .bearer_auth(&nara)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{backend}: shared");
        let r = client()
            .patch(&child_url)
            .bearer_auth(&nara)
            .json(&serde_json::json!({"notes": "書き換え"}))
            .send()
            .await
            .unwrap();
        assert!(
            r.status() == 404 || r.status() == 403,
            "{backend}: read only"
        );
        // Nara's home lists it; its page shows the referral banner and no edit link.
        let b = login(&w.app, &w.other_user(Role::Consultant).login).await;
        let home = get_text(&b.http, format!("{}/", b.base)).await;
        assert!(home.contains("id=\"incoming-referrals\""));
        let page = get_text(&b.http, format!("{}/children/{child}", b.base)).await;
        assert!(page.contains("id=\"referral-banner\"") && !page.contains("/edit\""));
        let log = w.app.store.audit_for_entity("child", &child).await.unwrap();
        for action in ["child.refer.refused", "consent.create", "child.refer"] {
            assert!(
                log.iter().any(|r| r.action == action),
                "{backend}: {action}"
            );
        }
        assert!(log
            .iter()
            .any(|r| r.action == "child.view" && r.detail.starts_with("referral=")));
        // Withdrawing the consent ends the sharing at once.
        let kb = login(&w.app, &w.user(Role::Consultant).login).await;
        let r = kb
            .http
            .post(format!(
                "{}/children/{child}/consents/{consent_id}/withdraw",
                kb.base
            ))
            .form(&[("_csrf", kb.csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let r = client()
            .get(&child_url)
            .bearer_auth(&nara)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{backend}: sharing ended");
        // An advisor may override with a reason; it is recorded as such.
        let adv_token = token_for(&w.app, &adv.login).await;
        let r = client()
            .post(api("referrals".into()))
            .bearer_auth(&adv_token)
            .json(&serde_json::json!({"to_center": "nara", "override_reason": "救急搬送先が奈良のため至急共有が必要"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let log = w.app.store.audit_for_entity("child", &child).await.unwrap();
        assert!(log
            .iter()
            .any(|r| r.action == "child.refer.override" && r.detail.contains("救急搬送")));
        // The page shows it all.
        let page = get_text(&kb.http, format!("{}/children/{child}/consents", kb.base)).await;
        assert!(page.contains("id=\"consents-table\"") && page.contains("id=\"referrals-table\""));
        assert!(page.contains("撤回"));
    }
}

#[tokio::test]
async fn consent_form_shows_inline_errors_and_keeps_input() {
    let w = world("sqlite").await;
    let adv = w.user(Role::Advisor);
    let form: store::children::ChildForm =
        serde_json::from_value(child_json("同意", "ドウイ")).unwrap();
    let child = w
        .app
        .store
        .register_child(adv, &form.draft(test_now()), true, test_now())
        .await
        .unwrap();
    let b = login(&w.app, &w.user(Role::Consultant).login).await;
    // The same form twice: first with a wrong check digit, then corrected.
    let submit = |recipient_code: &'static str| {
        b.http
            .post(format!("{}/children/{child}/consents", b.base))
            .form(&[
                ("_csrf", b.csrf.as_str()),
                ("recipient_kind", "municipality_disaster"),
                ("recipient_code", recipient_code),
                ("recipient_name", "高知市防災対策部"),
                ("items", "basic"),
                ("items", "disaster_plan"),
                ("given_on", "2026-11-01"),
                ("given_by", "父"),
                ("method", "verbal"),
            ])
            .send()
    };
    let r = submit("392015").await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"recipient_code-err\""),
        "bad check digit shown inline"
    );
    assert!(html.contains("高知市防災対策部"), "input kept");
    let r = submit("392014").await.unwrap();
    assert_eq!(r.status(), 303);
    let page = get_text(&b.http, format!("{}/children/{child}/consents", b.base)).await;
    assert!(page.contains("災害時個別支援計画") && page.contains("有効"));
}
