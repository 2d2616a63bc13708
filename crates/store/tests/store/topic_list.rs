//! The consultation list filtered by topic (相談内容の分類) reads its page off the topic rows'
//! own (center, code, time) index (migration 0024). These stories hold it to the same answer as
//! the unfiltered list filtered by hand, page by page, after edits that move a consultation in
//! time or change its topics, and with another center's consultations in the database.

use domain::account::NewUser;
use domain::Role;
use store::consultations::{Consultation, ConsultationForm, ConsultationQuery};
use store::testing::Draft;
use store::{Actor, Store};

use crate::{backends, now, Fixture};

async fn record(store: &Store, actor: &Actor, day: u32, topics: &[&str]) -> String {
    let form = ConsultationForm {
        occurred_at: format!("2026-11-{day:02} 10:00"),
        channel: "phone".into(),
        requester_kind: "family".into(),
        topics: topics.iter().map(|t| t.to_string()).collect(),
        summary: format!("11月{day}日の相談"),
        ..Default::default()
    };
    store
        .record_consultation(actor, &form.draft(now()), now())
        .await
        .unwrap()
}

/// Every page of `q` (3 rows a page), following the cursor.
async fn all_pages(store: &Store, actor: &Actor, q: &ConsultationQuery) -> Vec<String> {
    let mut ids = Vec::new();
    let mut q = ConsultationQuery {
        limit: Some(3),
        ..q.clone()
    };
    loop {
        let page = store
            .list_consultations(actor, &q, now(), store::Via::Api)
            .await
            .unwrap();
        ids.extend(page.items.iter().map(|c| c.id.clone()));
        match page.next {
            Some(next) => q.before = next,
            None => return ids,
        }
    }
}

/// The oracle: the period's whole list without a topic, filtered here.
async fn by_hand(
    store: &Store,
    actor: &Actor,
    period: &ConsultationQuery,
    topic: &str,
) -> Vec<String> {
    let q = ConsultationQuery {
        limit: Some(200),
        ..period.clone()
    };
    let page = store
        .list_consultations(actor, &q, now(), store::Via::Api)
        .await
        .unwrap();
    assert!(page.next.is_none());
    page.items
        .iter()
        .filter(|c: &&Consultation| c.topics.iter().any(|t| t == topic))
        .map(|c| c.id.clone())
        .collect()
}

#[tokio::test]
async fn a_topic_list_pages_like_the_whole_list_filtered_by_hand_after_edits() {
    for backend in backends() {
        let f = Fixture::new(backend).await;
        let advisor = f.user(Role::Advisor);
        let mut ids = Vec::new();
        for day in 1..=12u32 {
            let topics: &[&str] = match day % 3 {
                0 => &["school"],
                1 => &["school", "disaster"],
                _ => &["disaster"],
            };
            ids.push(record(&f.store, advisor, day, topics).await);
        }
        // Another center's consultations on the same topic and days stay out of the list.
        f.store
            .add_center(
                &domain::center::new_center("ehime", "愛媛テスト", "380008").unwrap(),
                now(),
            )
            .await
            .unwrap();
        let other = f
            .store
            .add_user(
                &NewUser {
                    center_code: "ehime",
                    login: "ehime.advisor",
                    display_name: "愛媛 advisor",
                    role: Role::Advisor,
                    password: "correct horse battery staple",
                    professions: Vec::new(),
                    municipalities: Vec::new(),
                }
                .parse()
                .unwrap(),
                now(),
            )
            .await
            .unwrap();
        for day in 2..=11u32 {
            record(&f.store, &other, day, &["school"]).await;
        }

        let period = ConsultationQuery {
            from: "2026-11-02".into(),
            to: "2026-11-11".into(),
            ..Default::default()
        };
        let school = ConsultationQuery {
            topic: "school".into(),
            ..period.clone()
        };
        let expected = by_hand(&f.store, advisor, &period, "school").await;
        // Days 3, 4, 6, 7, 9, 10, newest first.
        assert_eq!(expected.len(), 6, "{backend}");
        assert_eq!(expected[0], ids[9], "{backend}");
        assert_eq!(
            all_pages(&f.store, advisor, &school).await,
            expected,
            "{backend}"
        );

        // Day 4 (school and disaster) moves to the 15th, out of the period; day 5 (disaster)
        // becomes a school consultation.
        for (i, day, topics) in [
            (3usize, 15u32, vec!["school", "disaster"]),
            (4, 5, vec!["school"]),
        ] {
            let c = f.store.get_consultation(advisor, &ids[i]).await.unwrap();
            let mut form = Store::consultation_form(&c);
            form.occurred_at = format!("2026-11-{day:02} 10:00");
            form.topics = topics.iter().map(|t| t.to_string()).collect();
            f.store
                .update_consultation(advisor, &ids[i], &form.draft(now()), Some(c.version), now())
                .await
                .unwrap();
        }
        let expected = by_hand(&f.store, advisor, &period, "school").await;
        assert!(!expected.contains(&ids[3]), "{backend}");
        assert!(expected.contains(&ids[4]), "{backend}");
        assert_eq!(expected.len(), 6, "{backend}");
        assert_eq!(
            all_pages(&f.store, advisor, &school).await,
            expected,
            "{backend}"
        );

        // Without a period the moved consultation heads the list.
        let all_school = ConsultationQuery {
            topic: "school".into(),
            ..Default::default()
        };
        assert_eq!(
            all_pages(&f.store, advisor, &all_school).await[0],
            ids[3],
            "{backend}"
        );
    }
}
