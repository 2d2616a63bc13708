//! The audit chain stays verifiable however the group commit batches rows: many requests at
//! once, and one request with more rows than one multi-row INSERT holds.

use domain::Role;
use store::audit::AuditEntry;

use crate::{backends, now, Fixture};

fn entry(detail: String) -> AuditEntry<'static> {
    AuditEntry {
        action: "child.search",
        entity: "list",
        entity_id: None,
        detail,
    }
}

#[tokio::test]
async fn a_group_commit_of_many_rows_keeps_the_chain_verifiable() {
    for backend in backends() {
        let f = Fixture::new(backend).await;
        let advisor = f.user(Role::Advisor).clone();
        let mut requests = tokio::task::JoinSet::new();
        for i in 0..40 {
            let store = f.store.clone();
            let actor = advisor.clone();
            requests.spawn(async move {
                store
                    .audit_event(Some(&actor), now(), entry(format!("request={i}")))
                    .await
            });
        }
        // 250 rows of one request: three INSERTs of at most 100 rows in one transaction.
        let many = (0..250).map(|i| entry(format!("row={i}"))).collect();
        f.store
            .audit_events(Some(&advisor), now(), many)
            .await
            .unwrap();
        while let Some(done) = requests.join_next().await {
            done.unwrap().unwrap();
        }
        assert_eq!(f.audited(&advisor, "child.search").await, 290, "{backend}");
        let status = f.store.verify_audit().await.unwrap();
        assert!(
            matches!(status, store::audit::ChainStatus::Ok { .. }),
            "{backend}: {status:?}"
        );
        let (rows, last): (i64, i64) =
            store::db::query_as("SELECT COUNT(*), MAX(seq) FROM audit_log")
                .fetch_one(f.store.pool())
                .await
                .unwrap();
        assert_eq!(rows, last, "{backend}: the sequence has no gap");
    }
}
