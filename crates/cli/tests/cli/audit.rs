//! Audit tamper detection: random edits to the audit log, each caught by verification.

use super::*;

fn actor(n: u64) -> Actor {
    Actor {
        user_id: format!("user-{n}"),
        login: format!("login{n}"),
        display_name: format!("User {n}"),
        center_id: format!("center-{}", n % 3),
        role: domain::Role::Advisor,
        municipalities: Vec::new(),
    }
}

pub(crate) async fn add_audit_rows(url: &str, n: usize, seed: u64) {
    let store = Store::connect(url).await.unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let base = chrono::DateTime::parse_from_rfc3339("2026-04-01T09:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    for i in 0..n {
        let a = actor(rng.gen_range(0..5));
        let anonymous = rng.gen_bool(0.1);
        let id = format!("{:016x}", rng.gen::<u64>());
        let with_id = rng.gen_bool(0.8);
        store
            .audit_event(
                (!anonymous).then_some(&a),
                base + chrono::Duration::seconds(i as i64 * 37),
                AuditEntry {
                    action: ["child.view", "child.search", "consultation.list"][i % 3],
                    entity: ["child", "child", "consultation"][i % 3],
                    entity_id: with_id.then_some(id.as_str()),
                    detail: format!("{{\"q\":\"{}\"}}", rng.gen::<u32>()),
                },
            )
            .await
            .unwrap();
    }
    store.close().await;
}

const COLUMNS: &[&str] = &[
    "at",
    "center_id",
    "actor_id",
    "actor_login",
    "action",
    "entity",
    "entity_id",
    "detail",
    "prev_hash",
    "hash",
];

/// The canonical payload as an attacker with write access would recompute it: version 1 of
/// `store::audit::canonical_payload`. Rewritten rows are re-inserted without `hash_version`, i.e.
/// downgraded to version 1 — the cheapest forgery; only the recorded head catches it.
fn canonical(r: &[Option<String>; 11]) -> String {
    let f = |i: usize| r[i].clone().unwrap_or_default();
    format!(
        "{}|{}|{}|{}|{}|{}|{}|{}|{}",
        f(0),
        f(1),
        f(2),
        f(3),
        f(4),
        f(5),
        f(6),
        f(7),
        f(8)
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Tamper {
    /// Change one field of one row.
    Edit,
    /// Delete one row.
    Delete,
    /// Delete a run of rows.
    DeleteRange,
    /// Swap two rows' positions.
    Swap,
    /// Cut rows off the end.
    Truncate,
    /// Edit a row and recompute every later hash (needs the recorded head to detect).
    Rewrite,
    /// Append a forged row with a correct hash (needs the recorded head to detect).
    Forge,
}

const TAMPERS: &[Tamper] = &[
    Tamper::Edit,
    Tamper::Edit,
    Tamper::Edit,
    Tamper::Delete,
    Tamper::DeleteRange,
    Tamper::Swap,
    Tamper::Truncate,
    Tamper::Rewrite,
    Tamper::Forge,
];

fn mutate_text(rng: &mut impl Rng, old: Option<&str>) -> Option<String> {
    let old = old.unwrap_or("");
    // Never map NULL to '' or back: version 2 payloads (new rows) tell them apart, but this
    // test also rewrites rows as version 1, which does not.
    let new = match rng.gen_range(0..3) {
        0 if !old.is_empty() => {
            let mut chars: Vec<char> = old.chars().collect();
            let i = rng.gen_range(0..chars.len());
            let c = chars[i];
            chars[i] = if c == 'x' { 'y' } else { 'x' };
            chars.into_iter().collect()
        }
        1 => format!("{old}{}", rng.gen_range(0..10)),
        _ => format!("forged-{}", rng.gen::<u32>()),
    };
    Some(new)
}

async fn rows(pool: &store::db::Pool) -> Vec<[Option<String>; 11]> {
    store::db::query(
        "SELECT CAST(seq AS TEXT), at, center_id, actor_id, actor_login, action, entity, entity_id, \
         detail, prev_hash, hash FROM audit_log ORDER BY seq",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    .iter()
    .map(|r| std::array::from_fn(|i| r.try_get::<Option<String>>(i).unwrap()))
    .collect()
}

async fn apply(pool: &store::db::Pool, rng: &mut impl Rng, kind: Tamper, n: i64) {
    let q = |sql: String| async move { store::db::query(&sql).execute(pool).await.unwrap() };
    match kind {
        Tamper::Edit => {
            let seq = rng.gen_range(1..=n);
            let col_i = rng.gen_range(0..COLUMNS.len() + 1);
            if col_i == COLUMNS.len() {
                // Renumber one row into a gap after the end.
                q(format!(
                    "UPDATE audit_log SET seq = {} WHERE seq = {seq}",
                    n + 1 + rng.gen_range(0..5)
                ))
                .await;
                return;
            }
            let col = COLUMNS[col_i];
            let old: Option<String> =
                store::db::query_scalar(&format!("SELECT {col} FROM audit_log WHERE seq = $1"))
                    .bind(seq)
                    .fetch_one(pool)
                    .await
                    .unwrap();
            let new = mutate_text(rng, old.as_deref());
            store::db::query(&format!("UPDATE audit_log SET {col} = $1 WHERE seq = $2"))
                .bind(new)
                .bind(seq)
                .execute(pool)
                .await
                .unwrap();
        }
        Tamper::Delete => {
            // Not the last row: removing the tail is Truncate.
            let seq = rng.gen_range(1..n);
            q(format!("DELETE FROM audit_log WHERE seq = {seq}")).await;
        }
        Tamper::DeleteRange => {
            let from = rng.gen_range(1..n);
            let to = rng.gen_range(from..n);
            q(format!(
                "DELETE FROM audit_log WHERE seq BETWEEN {from} AND {to}"
            ))
            .await;
        }
        Tamper::Swap => {
            let a = rng.gen_range(1..n);
            let b = rng.gen_range(a + 1..=n);
            q(format!(
                "UPDATE audit_log SET seq = -seq WHERE seq IN ({a}, {b})"
            ))
            .await;
            q(format!(
                "UPDATE audit_log SET seq = CASE seq WHEN -{a} THEN {b} ELSE {a} END WHERE seq IN (-{a}, -{b})"
            ))
            .await;
        }
        Tamper::Truncate => {
            let keep = rng.gen_range(0..n);
            q(format!("DELETE FROM audit_log WHERE seq > {keep}")).await;
        }
        Tamper::Rewrite | Tamper::Forge => {
            let mut all = rows(pool).await;
            let from = if kind == Tamper::Rewrite {
                let i = rng.gen_range(0..all.len());
                let col = rng.gen_range(1..9);
                all[i][col] = mutate_text(rng, all[i][col].as_deref());
                i
            } else {
                let last = all.last().cloned().unwrap();
                let mut forged = last.clone();
                forged[0] = Some((n + 1).to_string());
                forged[8] = Some("{\"forged\":true}".into());
                all.push(forged);
                all.len() - 1
            };
            let mut prev = if from == 0 {
                domain::audit::GENESIS_HASH.to_string()
            } else {
                all[from - 1][10].clone().unwrap()
            };
            for r in all.iter_mut().skip(from) {
                r[9] = Some(prev.clone());
                prev = domain::audit::chain_hash(&prev, &canonical(r));
                r[10] = Some(prev.clone());
            }
            // One statement for the rewritten tail: row-by-row inserts would dominate the test.
            q(format!("DELETE FROM audit_log WHERE seq > {from}")).await;
            let tail = &all[from..];
            let values =
                vec!["(CAST(? AS INTEGER), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; tail.len()].join(", ");
            let sql = format!(
                "INSERT OR REPLACE INTO audit_log (seq, at, center_id, actor_id, actor_login, action, entity, entity_id, detail, prev_hash, hash) \
                 VALUES {values}"
            );
            let mut ins = store::db::query(&sql);
            for v in tail.iter().flatten() {
                ins = ins.bind(v.clone());
            }
            ins.execute(pool).await.unwrap();
        }
    }
}

/// ≥10,000 random edits, deletes, reorders, truncations and forgeries, each applied to the
/// pristine log and reverted; verification (the real `verify_audit`) plus the recorded head
/// must catch every one, and must not alarm on the untouched log.
// One runtime thread: every query is a round trip to sqlx's SQLite worker thread, and fewer
// thread hops make those round trips measurably cheaper.
#[tokio::test(flavor = "current_thread")]
async fn audit_tampering_is_always_detected() {
    const ROWS: usize = 200;
    let trials: usize = std::env::var("TSUNAGU_TAMPER_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("audit.db");
    let url = format!("sqlite://{}", path.display());
    add_audit_rows(&url, ROWS, 42).await;

    let store = store::maintenance::open_for_checks(&path).await.unwrap();
    let pool = store.pool().clone();
    // A scratch copy: no durability needed, and history must be writable to tamper with it.
    for q in [
        "PRAGMA synchronous=OFF",
        "PRAGMA journal_mode=MEMORY",
        "DROP TRIGGER audit_log_no_update",
        "DROP TRIGGER audit_log_no_delete",
        "CREATE TABLE pristine AS SELECT * FROM audit_log",
    ] {
        store::db::query(q).execute(&pool).await.unwrap();
    }
    let ChainStatus::Ok {
        rows: n,
        head: anchored,
    } = store.verify_audit().await.unwrap()
    else {
        panic!("the untouched log must verify");
    };
    assert_eq!(n, ROWS as i64);

    let mut rng = ChaCha8Rng::seed_from_u64(20261129);
    let started = Instant::now();
    let mut by_chain = 0;
    let mut by_anchor = 0;
    let mut false_alarms = 0;
    let mut untouched_checks = 0;
    let mut verifying = Duration::ZERO;
    let mut per_kind: std::collections::BTreeMap<String, (usize, usize, usize)> =
        Default::default();
    for trial in 0..trials {
        let kind = TAMPERS[rng.gen_range(0..TAMPERS.len())];
        apply(&pool, &mut rng, kind, n).await;
        let t = Instant::now();
        let status = store.verify_audit().await.unwrap();
        verifying += t.elapsed();
        let chain_caught = matches!(status, ChainStatus::Broken { .. });
        let anchor_caught = chain_caught
            || status
                != ChainStatus::Ok {
                    rows: n,
                    head: anchored.clone(),
                };
        by_chain += usize::from(chain_caught);
        by_anchor += usize::from(anchor_caught);
        let e = per_kind.entry(format!("{kind:?}")).or_default();
        e.0 += 1;
        e.1 += usize::from(chain_caught);
        e.2 += usize::from(anchor_caught);
        for q in [
            "DELETE FROM audit_log",
            "INSERT INTO audit_log SELECT * FROM pristine",
        ] {
            store::db::query(q).execute(&pool).await.unwrap();
        }
        // Every trial starts from the pristine log (checked cheaply in SQL); every tenth the
        // untouched log also goes through the full verification, which must not alarm.
        let differing: i64 = store::db::query_scalar(
            "SELECT (SELECT COUNT(*) FROM (SELECT * FROM audit_log EXCEPT SELECT * FROM pristine)) \
                  + (SELECT COUNT(*) FROM audit_log) - (SELECT COUNT(*) FROM pristine)",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(differing, 0, "the revert restored the pristine log");
        if trial % 10 == 0 {
            untouched_checks += 1;
            let clean = store.verify_audit().await.unwrap();
            if clean
                != (ChainStatus::Ok {
                    rows: n,
                    head: anchored.clone(),
                })
            {
                false_alarms += 1;
            }
        }
    }
    store.close().await;
    println!(
        "audit tamper detection: {by_anchor}/{trials} detected with the recorded head, \
         {by_chain}/{trials} by the chain alone; false alarms on untouched copies: {false_alarms}/{untouched_checks}; \
         {:.1} s ({:.2} ms per verification of {n} rows)",
        started.elapsed().as_secs_f64(),
        verifying.as_secs_f64() * 1000.0 / trials as f64
    );
    for (kind, (total, chain, anchor)) in &per_kind {
        println!("  {kind:<12} {total:>5} tampered, {chain:>5} caught by the chain, {anchor:>5} with the head");
    }
    assert_eq!(by_anchor, trials, "every tampering is detected");
    assert_eq!(false_alarms, 0);
    // Without an outside head, only rewrites of the tail can pass: everything else is the chain's.
    for (kind, (total, chain, _)) in &per_kind {
        if !["Truncate", "Rewrite", "Forge"].contains(&kind.as_str()) {
            assert_eq!(chain, total, "{kind} must be caught by the chain alone");
        }
    }
}
