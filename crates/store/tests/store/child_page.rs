//! The child's page is one use case: two reads on the pool and one audit commit, whatever the
//! record holds (before stop 17: ten queries and two audit commits).

use domain::power::DeviceInput;
use domain::Role;
use store::children::{ChildForm, GuardianForm};
use store::testing::Draft;

use crate::{backends, now, Fixture};

#[tokio::test]
async fn the_child_page_reads_in_two_statements_and_audits_in_one_commit() {
    for backend in backends() {
        let f = Fixture::new(backend).await;
        let advisor = f.user(Role::Advisor);
        let form = ChildForm {
            family_name: "室戸".into(),
            given_name: "岬".into(),
            family_name_kana: "ムロト".into(),
            given_name_kana: "ミサキ".into(),
            birth_date: "2021-08-10".into(),
            sex: "male".into(),
            municipality_code: "392014".into(),
            medical_care: vec!["ventilator".into(), "suction".into()],
            medical_care_details: [("ventilator".to_string(), "夜間のみ".to_string())].into(),
            welfare_services: vec!["child_development".into()],
            guardians: vec![
                GuardianForm {
                    name: "室戸 母".into(),
                    relation: "母".into(),
                    phone: "090-0000-1111".into(),
                    is_primary: true,
                    ..Default::default()
                },
                GuardianForm {
                    name: "室戸 父".into(),
                    relation: "父".into(),
                    ..Default::default()
                },
            ],
            devices: vec![DeviceInput {
                kind: "ventilator".into(),
                uses_electricity: true,
                internal_minutes: "240".into(),
                settings: "SIMV".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let child = f
            .store
            .register_child(advisor, &form.draft(now()), false, now())
            .await
            .unwrap();
        f.consultation(Some(&child)).await;
        f.consultation(Some(&child)).await;

        let before = f.store.pool().stats();
        let page = f.store.child_page(advisor, &child, 5, now()).await.unwrap();
        let after = f.store.pool().stats();

        assert_eq!(after.reads - before.reads, 2, "{backend}: statements read");
        assert_eq!(
            after.write_commits - before.write_commits,
            1,
            "{backend}: audit commits"
        );
        assert_eq!(f.audited(advisor, "child.view").await, 1, "{backend}");
        assert_eq!(
            f.audited(advisor, "consultation.list").await,
            1,
            "{backend}"
        );

        // Every list of the record came through the one query, in its order.
        let r = &page.record;
        assert_eq!(r.form.medical_care, ["suction", "ventilator"], "{backend}");
        assert_eq!(
            r.form
                .medical_care_details
                .get("ventilator")
                .map(String::as_str),
            Some("夜間のみ"),
            "{backend}"
        );
        assert_eq!(r.form.welfare_services, ["child_development"], "{backend}");
        let guardians: Vec<(&str, bool)> = r
            .form
            .guardians
            .iter()
            .map(|g| (g.name.as_str(), g.is_primary))
            .collect();
        assert_eq!(
            guardians,
            [("室戸 母", true), ("室戸 父", false)],
            "{backend}"
        );
        assert_eq!(r.form.devices.len(), 1, "{backend}");
        assert_eq!(r.form.devices[0].kind, "ventilator", "{backend}");
        assert_eq!(r.form.devices[0].internal_minutes, "240", "{backend}");
        assert_eq!(r.form.devices[0].settings, "SIMV", "{backend}");
        assert_eq!(page.timeline.items.len(), 2, "{backend}");
        assert_eq!(page.timeline.items[0].topics, ["medical_care"], "{backend}");

        // The page shows what the record view shows.
        let viewed = f.store.view_child(advisor, &child, now()).await.unwrap();
        assert_eq!(
            serde_json::to_value(&viewed).unwrap(),
            serde_json::to_value(&page.record).unwrap(),
            "{backend}"
        );
    }
}
