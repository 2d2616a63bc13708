//! Every read of personal data is audited inside its store use case: the walk below calls
//! each read use case once, as a user who may make it, and finds its audit row. A new read use
//! case belongs in this list.

use domain::Role;
use store::children::ChildQuery;
use store::consultations::ConsultationQuery;

use crate::{backends, now, today, Fixture};

#[tokio::test]
async fn every_read_of_personal_data_leaves_its_audit_row() {
    for backend in backends() {
        let f = Fixture::new(backend).await;
        let child = f.child("高知", "コウチ").await;
        let consultation = f.consultation(Some(&child)).await;
        f.consultation(None).await;
        let advisor = f.user(Role::Advisor);
        let s = &f.store;

        // (action, what the read returned) per use case; each must leave exactly one row.
        let mut walked: Vec<(&str, usize)> = Vec::new();

        let page = s
            .search_children(advisor, &ChildQuery::default(), now(), store::Via::Api)
            .await
            .unwrap();
        walked.push(("child.search", page.items.len()));
        let record = s.view_child(advisor, &child, now()).await.unwrap();
        walked.push(("child.view", usize::from(record.id == child)));
        let list = s
            .list_consultations(
                advisor,
                &ConsultationQuery::default(),
                now(),
                store::Via::Api,
            )
            .await
            .unwrap();
        walked.push(("consultation.list", list.items.len()));
        let one = s
            .view_consultation(advisor, &consultation, now())
            .await
            .unwrap();
        walked.push((
            "consultation.view",
            usize::from(!one.consultation.summary.is_empty()),
        ));
        let same = s
            .same_person(advisor, "土佐 次郎", "トサ ジロウ", now())
            .await
            .unwrap();
        walked.push(("consultation.same_person", usize::from(same.is_some())));
        let power = s.child_power(advisor, &child, now()).await.unwrap();
        walked.push(("child.power.view", power.devices.len() + 1));
        let consents = s
            .child_consents(advisor, &child, today(), now())
            .await
            .unwrap();
        walked.push(("consent.view", consents.consents.len() + 1));
        let plan = s
            .plan_overview(advisor, &child, today(), now())
            .await
            .unwrap();
        walked.push(("child.plan.view", plan.versions.len() + 1));
        let sheets = s
            .emergency_sheets(advisor, Some(&child), None, now())
            .await
            .unwrap();
        walked.push(("child.sheet.view", sheets.len()));
        let (missing, _) = s.missing_power_data(advisor, now()).await.unwrap();
        walked.push(("child.power.missing.list", missing.len() + 1));
        let home = s.home(advisor, today(), now()).await.unwrap();
        walked.push(("home.view", home.recent.len()));
        let grants = s
            .recent_break_glass(advisor, now(), store::Via::Api)
            .await
            .unwrap();
        // An empty list is still a read of the register, and is audited as one.
        walked.push(("child.break_glass.list", grants.len() + 1));

        for (action, returned) in walked {
            assert!(
                returned > 0,
                "{backend}: {action} returned nothing to audit"
            );
            assert_eq!(
                f.audited(advisor, action).await,
                1,
                "{backend}: {action} is not audited exactly once"
            );
        }
    }
}

#[tokio::test]
async fn a_refused_read_is_audited_and_releases_nothing() {
    for backend in backends() {
        let f = Fixture::new(backend).await;
        let child = f.child("高知", "コウチ").await;
        // The coordinator is not assigned to this child.
        let coordinator = f.user(Role::Coordinator);
        let refused = f.store.view_child(coordinator, &child, now()).await;
        assert!(
            matches!(refused, Err(store::StoreError::Forbidden)),
            "{backend}: {refused:?}"
        );
        assert_eq!(
            f.audited(coordinator, "child.view.denied").await,
            1,
            "{backend}"
        );
        // Nor does the search list the child for them.
        let page = f
            .store
            .search_children(coordinator, &ChildQuery::default(), now(), store::Via::Api)
            .await
            .unwrap();
        assert!(page.items.is_empty(), "{backend}");
    }
}

#[tokio::test]
async fn the_intake_label_of_a_child_is_audited_as_a_view() {
    for backend in backends() {
        let f = Fixture::new(backend).await;
        let child = f.child("高知", "コウチ").await;
        let advisor = f.user(Role::Advisor);
        let label = f.store.child_brief(advisor, &child, now()).await.unwrap();
        assert_eq!(
            label.as_deref(),
            Some("高知 花子（コウチ ハナコ）2022-05-01"),
            "{backend}"
        );
        assert_eq!(f.audited(advisor, "child.view").await, 1, "{backend}");
        // Outside the actor's scope nothing is shown and nothing is recorded as seen.
        let coordinator = f.user(Role::Coordinator);
        let none = f
            .store
            .child_brief(coordinator, &child, now())
            .await
            .unwrap();
        assert_eq!(none, None, "{backend}");
        assert_eq!(f.audited(coordinator, "child.view").await, 0, "{backend}");
    }
}
