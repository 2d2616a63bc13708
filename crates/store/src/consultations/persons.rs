//! The people consultations are about when no child is registered: matching by name and reading,
//! search keys and lookups.

use chrono::{DateTime, Utc};
use domain::kana::{normalize_for_search, KanaName};

use super::{consultation_scope, PersonMatch};
use crate::{new_id, ts, Actor, Result, Store, StoreError};
use domain::consultation::{ConsultationDraft, PersonDraft};

/// The search keys that make two unregistered persons one (name, reading): each normalised
/// ([`normalize_for_search`]: width, spaces, hiragana/katakana, variant kanji), the reading
/// empty when none was given.
fn person_keys(name: &str, kana: Option<&str>) -> (String, String) {
    (
        normalize_for_search(name),
        normalize_for_search(kana.unwrap_or_default()),
    )
}

/// Recomputes every named person's keys ([`person_keys`]) where they differ (start-up, see
/// `Store::ensure_search_keys`).
pub(crate) async fn refresh_person_keys(conn: &mut crate::db::Conn) -> Result<()> {
    type Row = (
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = crate::db::query_as(
        "SELECT id, name, name_kana, search_name, search_kana FROM persons WHERE anonymous = 0 AND name IS NOT NULL",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (id, name, kana, search_name, search_kana) in rows {
        let (n, k) = person_keys(&name, kana.as_deref());
        if (Some(&n), Some(&k)) != (search_name.as_ref(), search_kana.as_ref()) {
            crate::db::query("UPDATE persons SET search_name = $1, search_kana = $2 WHERE id = $3")
                .bind(n)
                .bind(k)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// The earliest named person of the center with these keys (one person is one person: a
/// later call about them links to the same record, so 実人数 counts them once).
async fn same_person_in(
    conn: &mut crate::db::Conn,
    center_id: &str,
    keys: &(String, String),
) -> Result<Option<String>> {
    Ok(crate::db::query_scalar(
        "SELECT id FROM persons WHERE center_id = $1 AND anonymous = 0 AND search_name = $2 AND search_kana = $3 \
         ORDER BY created_at, id LIMIT 1",
    )
    .bind(center_id)
    .bind(&keys.0)
    .bind(&keys.1)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The person a consultation is about (and whether an earlier person was linked): the
/// existing one it names; for an inline named person, the center's person with the same
/// normalised name and reading unless the form says it is a different one; otherwise one
/// created now (inside the caller's transaction, so two calls cannot both create it).
pub(super) async fn subject_person(
    tx: &mut crate::db::Conn,
    actor: &Actor,
    d: &ConsultationDraft,
    now: DateTime<Utc>,
) -> Result<(Option<String>, bool)> {
    Ok(match (&d.person_id, &d.person) {
        (Some(p), _) => (Some(p.to_string()), false),
        (None, Some(person)) => {
            let (name, kana, anonymous) = match person {
                PersonDraft::Anonymous => (None, None, true),
                PersonDraft::Named { name, name_kana } => {
                    (Some(name.as_str()), name_kana.as_deref(), false)
                }
            };
            let keys = name.map(|n| person_keys(n, kana));
            if let Some(k) = keys.as_ref().filter(|_| !d.person_distinct) {
                if let Some(found) = same_person_in(tx, &actor.center_id, k).await? {
                    return Ok((Some(found), true));
                }
            }
            let pid = new_id();
            crate::db::query("INSERT INTO persons (id, center_id, name, name_kana, anonymous, created_at, search_name, search_kana) \
                         VALUES ($1,$2,$3,$4,$5,$6,$7,$8)")
                .bind(&pid)
                .bind(&actor.center_id)
                .bind(name)
                .bind(kana)
                .bind(i64::from(anonymous))
                .bind(ts(now))
                .bind(keys.as_ref().map(|k| k.0.clone()))
                .bind(keys.as_ref().map(|k| k.1.clone()))
                .execute(&mut *tx)
                .await?;
            (Some(pid), false)
        }
        (None, None) => (None, false),
    })
}

impl Store {
    /// The center's earlier unregistered person with the same normalised name and reading, if
    /// any (the intake's 「同じ方ですか？」). A match is audited
    /// (`consultation.same_person`) before it is returned.
    pub async fn same_person(
        &self,
        actor: &Actor,
        name: &str,
        kana: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<PersonMatch>> {
        let Some(found) = self.find_same_person(actor, name, kana).await? else {
            return Ok(None);
        };
        self.audit_event(
            Some(actor),
            now,
            crate::audit::AuditEntry {
                action: "consultation.same_person",
                entity: "person",
                entity_id: Some(&found.id),
                detail: String::new(),
            },
        )
        .await?;
        Ok(Some(found))
    }

    async fn find_same_person(
        &self,
        actor: &Actor,
        name: &str,
        kana: &str,
    ) -> Result<Option<PersonMatch>> {
        if !actor.writes_records() {
            return Err(StoreError::Forbidden);
        }
        if name.trim().is_empty() {
            return Ok(None);
        }
        // A reading that is not kana cannot be stored, so nothing has it.
        let kana = if kana.trim().is_empty() {
            None
        } else {
            match KanaName::parse("person.name_kana", kana) {
                Ok(k) => Some(k.as_str().to_string()),
                Err(_) => return Ok(None),
            }
        };
        let keys = person_keys(name, kana.as_deref());
        let mut conn = self.pool().acquire().await?;
        let Some(id) = same_person_in(&mut conn, &actor.center_id, &keys).await? else {
            return Ok(None);
        };
        let mut binds = vec![id.clone()];
        let scope = consultation_scope(actor, &mut binds)?;
        let sql = format!(
            "SELECT p.name, p.name_kana, (SELECT MAX(k.occurred_on) FROM consultations k WHERE k.person_id = p.id AND {scope}) \
             FROM persons p WHERE p.id = $1"
        );
        let mut q = crate::db::query_as::<(Option<String>, Option<String>, Option<String>)>(&sql);
        for b in &binds {
            q = q.bind(b);
        }
        let row = q.fetch_optional(&mut conn).await?;
        Ok(row.map(|(name, name_kana, last_on)| PersonMatch {
            id,
            name: name.unwrap_or_default(),
            name_kana,
            last_on,
        }))
    }
}
