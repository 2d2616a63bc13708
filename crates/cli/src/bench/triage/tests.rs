#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Utc;
use store::Store;

use super::dataset::seed;

#[tokio::test]
async fn seeding_lists_every_child_with_some_unknown_estimates() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = Store::connect(&url).await.unwrap();
    let seeded = seed(&store, 200, 7).await.unwrap();
    let actor = store
        .token_actor(&seeded.token, Utc::now())
        .await
        .unwrap()
        .unwrap()
        .0;
    let t = store
        .triage(
            &actor,
            &seeded.incident_id,
            store::disaster::TriagePage::parse("", "1000").unwrap(),
            Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(t.rows.len(), 200);
    assert!(t.counts.unknown > 0 && t.counts.unknown < 60);
    assert!(t.rows.iter().all(|r| !r.contacts.is_empty()));
    assert!(t.rows.iter().any(|r| r.checkin.is_some()));
}
