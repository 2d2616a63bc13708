//! The registry list: search keys, search and the home prefecture.

use chrono::{DateTime, NaiveDate, Utc};
use domain::care_score::WatchLevel;
use domain::kana::normalize_for_search;

use super::{ChildPage, ChildQuery, ChildSummary};
use crate::{Actor, Result, Store, StoreError, Via};

type ChildRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
);

impl Store {
    /// Recomputes stored search keys (children's four, unregistered persons' two) when they
    /// were made under other normalisation rules than this build's
    /// ([`domain::kana::SEARCH_KEY_VERSION`]) or never made by Rust: migration 0019 fills the
    /// new keys as far as SQL can (spaces, the reading's katakana), and this makes them exact
    /// (width, hiragana/katakana, variant kanji) once. Only rows whose keys differ are
    /// written. Runs at start-up.
    pub(crate) async fn ensure_search_keys(&self) -> Result<()> {
        const META_KEY: &str = "search_key_version";
        let version = domain::kana::SEARCH_KEY_VERSION.to_string();
        let stored: Option<String> =
            crate::db::query_scalar("SELECT value FROM store_meta WHERE key = $1")
                .bind(META_KEY)
                .fetch_optional(self.pool())
                .await?;
        if stored.as_deref() == Some(version.as_str()) {
            return Ok(());
        }
        let mut w = self.begin_write().await?;
        type KeyRow = (
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            String,
            String,
        );
        let rows: Vec<KeyRow> = crate::db::query_as(
            "SELECT id, family_name, given_name, family_name_kana, given_name_kana, \
             search_kana, search_name, search_given_kana, search_given_name FROM children",
        )
        .fetch_all(&mut w.tx)
        .await?;
        for (id, fam, given, fam_k, given_k, kana, name, given_kana, given_name) in rows {
            let want = (
                normalize_for_search(&format!("{fam_k}{given_k}")),
                normalize_for_search(&format!("{fam}{given}")),
                normalize_for_search(&given_k),
                normalize_for_search(&given),
            );
            if want != (kana, name, given_kana, given_name) {
                crate::db::query(
                    "UPDATE children SET search_kana = $1, search_name = $2, search_given_kana = $3, search_given_name = $4 WHERE id = $5",
                )
                .bind(want.0)
                .bind(want.1)
                .bind(want.2)
                .bind(want.3)
                .bind(id)
                .execute(&mut w.tx)
                .await?;
            }
        }
        crate::consultations::refresh_person_keys(&mut w.tx).await?;
        crate::db::query(
            "INSERT INTO store_meta (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(META_KEY)
        .bind(version)
        .execute(&mut w.tx)
        .await?;
        w.commit().await
    }

    /// The prefecture code of the actor's center (where a typed municipality name is looked
    /// for first).
    pub async fn home_prefecture(&self, actor: &Actor) -> Result<Option<String>> {
        Ok(self
            .center(&actor.center_id)
            .await?
            .and_then(|c| domain::municipality::prefecture_code_of(&c.jurisdiction_code)))
    }

    /// Search the actor's children. Keyset-paginated by (kana, id) so deep pages stay fast.
    /// Audited (`child.search`, with the query and the number of rows) before it returns.
    pub async fn search_children(
        &self,
        actor: &Actor,
        q: &ChildQuery,
        now: DateTime<Utc>,
        via: Via,
    ) -> Result<ChildPage> {
        let today = now.with_timezone(&domain::dates::jst()).date_naive();
        let page = self.find_children(actor, q, today).await?;
        self.audit_list_read(
            actor,
            now,
            "child.search",
            via,
            format!("q={} results={}", q.q, page.items.len()),
        )
        .await?;
        Ok(page)
    }

    /// [`Store::search_children`] without its audit row, for use cases that audit the read
    /// under their own name (the dispatch form's child lookup).
    pub(crate) async fn find_children(
        &self,
        actor: &Actor,
        q: &ChildQuery,
        today: NaiveDate,
    ) -> Result<ChildPage> {
        if !actor.reads_children() {
            return Err(StoreError::Forbidden);
        }
        let limit = q.limit.unwrap_or(50).clamp(1, 200);
        let (scope, mut binds) = actor.child_scope_sql(1);
        let mut sql = format!(
            "SELECT c.id, c.family_name, c.given_name, c.family_name_kana, c.given_name_kana, c.birth_date, \
             c.municipality_code, c.status, c.search_kana, c.uses_no_welfare, \
             COALESCE((SELECT {agg} FROM child_medical_care m WHERE m.child_id = c.id), '') \
             FROM children c WHERE {scope}",
            agg = crate::db::dialect::string_agg(
                self.backend(),
                "m.code || ':' || COALESCE(m.watch, '')",
                "','"
            )
        );
        let push = |sql: &mut String, binds: &mut Vec<String>, cond: &str, v: String| {
            binds.push(v);
            sql.push_str(&cond.replace("$?", &format!("${}", binds.len())));
        };
        let key = normalize_for_search(&q.q);
        if !key.is_empty() {
            // A half-open range over the prefix uses the (center, kana) index on both engines,
            // also in PostgreSQL's generic plans for prepared statements, which a `LIKE $n`
            // pattern does not (measured: 3× slower searches at national scale). SQLite
            // compares BINARY; on PostgreSQL the text_pattern_ops operators compare bytes too.
            // U+10FFFF sorts after every character a normalised name contains.
            let (ge, lt) = crate::db::dialect::byte_range_operators(self.backend());
            binds.push(key.clone());
            let lo = binds.len();
            binds.push(format!("{key}\u{10FFFF}"));
            let hi = binds.len();
            // Four keys, each a prefix range over its own (center, key, id) index: the whole
            // reading and the whole name (family name first, so 「やまだはなこ」 and 「山田 花子」
            // match; spaces are not part of a key) and the given name's reading and the given
            // name alone (「はなこ」, 「ハナコ」, 「花子」).
            sql.push_str(&format!(
                " AND ((c.search_kana {ge} ${lo} AND c.search_kana {lt} ${hi}) \
                 OR (c.search_name {ge} ${lo} AND c.search_name {lt} ${hi}) \
                 OR (c.search_given_kana {ge} ${lo} AND c.search_given_kana {lt} ${hi}) \
                 OR (c.search_given_name {ge} ${lo} AND c.search_given_name {lt} ${hi}))"
            ));
        }
        if !q.municipality.trim().is_empty() {
            push(
                &mut sql,
                &mut binds,
                " AND c.municipality_code = $?",
                q.municipality.trim().to_string(),
            );
        }
        if !q.medical_care.trim().is_empty() {
            push(
                &mut sql,
                &mut binds,
                " AND EXISTS (SELECT 1 FROM child_medical_care m2 WHERE m2.child_id = c.id AND m2.code = $?)",
                q.medical_care.trim().to_string(),
            );
        }
        if q.no_welfare {
            sql.push_str(" AND c.uses_no_welfare = 1");
        }
        if let Some(band) = domain::dates::AgeBand::parse(q.age_band.trim()) {
            let (earliest, latest) = band.birth_date_bounds(today);
            push(
                &mut sql,
                &mut binds,
                " AND c.birth_date <= $?",
                latest.to_string(),
            );
            if let Some(e) = earliest {
                push(
                    &mut sql,
                    &mut binds,
                    " AND c.birth_date >= $?",
                    e.to_string(),
                );
            }
        }
        if let Some((k, id)) = q.after.split_once('|') {
            binds.push(k.to_string());
            let a = binds.len();
            binds.push(id.to_string());
            let b = binds.len();
            sql.push_str(&format!(
                " AND (c.search_kana > ${a} OR (c.search_kana = ${a} AND c.id > ${b}))"
            ));
        }
        sql.push_str(&format!(
            " ORDER BY c.search_kana, c.id LIMIT {}",
            limit + 1
        ));
        let mut query = crate::db::query_as::<ChildRow>(&sql);
        for b in &binds {
            query = query.bind(b);
        }
        let mut rows = query.fetch_all(self.pool()).await?;
        let next = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            rows.last().map(|r| format!("{}|{}", r.8, r.0))
        } else {
            None
        };
        Ok(ChildPage {
            items: rows
                .into_iter()
                .map(|r| {
                    // "code:watch,code:,…" — codes and levels never contain ':' or ','.
                    let care: Vec<(String, Option<WatchLevel>)> =
                        r.10.split(',')
                            .filter(|s| !s.is_empty())
                            .map(|s| {
                                let (code, watch) = s.split_once(':').unwrap_or((s, ""));
                                (code.to_string(), WatchLevel::parse(watch))
                            })
                            .collect();
                    let care_score =
                        domain::care_score::score(care.iter().map(|(c, w)| (c.as_str(), *w)));
                    ChildSummary {
                        id: r.0,
                        family_name: r.1,
                        given_name: r.2,
                        family_name_kana: r.3,
                        given_name_kana: r.4,
                        birth_date: r.5,
                        municipality_code: r.6,
                        status: r.7,
                        uses_no_welfare: r.9 != 0,
                        medical_care: care.into_iter().map(|(c, _)| c).collect(),
                        care_score,
                    }
                })
                .collect(),
            next,
        })
    }
}
