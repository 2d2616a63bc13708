//! Integration tests of the `tsunagu` binary: backup and restore, audit tamper detection, and the
//! crash-consistency harness (SIGKILL during writes). See docs/backup.md.
//!
//! The crash harness is `#[ignore]`d so the default suite stays quick; run it with
//! `TSUNAGU_CRASH_RUNS=1000 cargo test -p tsunagu-cli crash -- --ignored --nocapture`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use store::audit::{AuditEntry, ChainStatus};
use store::{Actor, Store};

const BIN: &str = env!("CARGO_BIN_EXE_tsunagu");

/// Run the binary to completion; the environment's database URL must not redirect it.
fn tsunagu(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("TSUNAGU_DATABASE_URL")
        .env_remove("RUST_BACKTRACE")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(args: &[&str]) -> String {
    let o = tsunagu(args);
    assert!(o.status.success(), "tsunagu {args:?} failed:\n{}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn db_file(data: &Path) -> PathBuf {
    data.join("tsunagu.db")
}

/// A center in Kochi, an advisor, and an API token for that advisor.
fn provision(data: &Path) -> String {
    let d = s(data);
    ok(&[
        "center",
        "add",
        "--code",
        "kochi",
        "--name",
        "高知テスト",
        "--jurisdiction",
        "390003",
        "--data-dir",
        d,
    ]);
    ok(&[
        "user",
        "add",
        "--center",
        "kochi",
        "--login",
        "adv",
        "--role",
        "advisor",
        "--data-dir",
        d,
    ]);
    ok(&["token", "create", "--login", "adv", "--data-dir", d])
        .trim()
        .to_string()
}

fn backups_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    v.sort();
    v
}

fn only_backup(dir: &Path) -> PathBuf {
    let files = backups_in(dir);
    assert_eq!(files.len(), 1, "one backup expected, found {files:?}");
    dir.join(&files[0])
}

fn file_bytes(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap()
}

fn audit_head(data: &Path) -> String {
    ok(&["audit", "head", "--data-dir", s(data)])
        .trim()
        .to_string()
}

/// A running `tsunagu serve`; SIGKILLed on drop so a failing test leaves no server behind.
struct Server {
    child: tokio::process::Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

async fn start_server(data: &Path) -> Server {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir", s(data)])
        .env_remove("TSUNAGU_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("the server did not start within 30 s")
        .unwrap()
        .expect("the server exited before listening");
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or_else(|| panic!("unexpected start-up line: {line}"))
        .to_string();
    Server {
        child,
        base: format!("http://{addr}"),
    }
}

const KATAKANA: &[char] = &[
    'ア', 'イ', 'ウ', 'エ', 'オ', 'カ', 'キ', 'ク', 'ケ', 'コ', 'サ', 'シ', 'ス', 'セ', 'ソ', 'タ',
    'チ', 'ツ', 'テ', 'ト', 'ナ', 'ニ', 'ヌ', 'ネ', 'ノ', 'ハ', 'ヒ', 'フ', 'ヘ', 'ホ', 'マ', 'ミ',
];

/// A valid registration body (municipality 392014 is in the center's Kochi jurisdiction).
fn child_json(rng: &mut impl Rng) -> serde_json::Value {
    let kana: String = (0..4)
        .map(|_| KATAKANA[rng.gen_range(0..KATAKANA.len())])
        .collect();
    serde_json::json!({
        "family_name": "試験", "given_name": "花子",
        "family_name_kana": kana, "given_name_kana": "ハナコ",
        "birth_date": "2022-05-01", "sex": "female", "municipality_code": "392014",
        "medical_care": ["tube_feeding_gastric", "suction"], "welfare_services": [],
        "confirm_duplicate": true
    })
}

/// POST one child; `Ok(Some(id))` when the server acknowledged it with 201.
async fn post_child(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    body: &serde_json::Value,
) -> Result<String, String> {
    let resp = http
        .post(format!("{base}/api/v1/children"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = resp.status();
    let v: serde_json::Value = resp.json().await.map_err(|e| e.to_string())?;
    if status.as_u16() != 201 {
        return Err(format!("status {status}: {v}"));
    }
    v["id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("no id in {v}"))
}

async fn child_ids(data: &Path) -> HashSet<String> {
    let store = store::maintenance::open_for_checks(&db_file(data))
        .await
        .unwrap();
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM children")
        .fetch_all(store.pool())
        .await
        .unwrap();
    store.close().await;
    ids.into_iter().collect()
}

// ---------------------------------------------------------------------------------------------
// Backup and restore

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_of_a_live_database_verifies_and_restores() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let backups = tmp.path().join("backups");
    let token = provision(&data);
    let server = start_server(&data).await;
    let http = reqwest::Client::new();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut before = Vec::new();
    for _ in 0..5 {
        before.push(
            post_child(&http, &server.base, &token, &child_json(&mut rng))
                .await
                .unwrap(),
        );
    }
    // Writes keep arriving while the copy is taken: the copy must still be a consistent snapshot.
    let writer = {
        let (http, base, token) = (http.clone(), server.base.clone(), token.clone());
        tokio::spawn(async move {
            let mut rng = ChaCha8Rng::seed_from_u64(2);
            let mut ids = Vec::new();
            for _ in 0..20 {
                ids.push(
                    post_child(&http, &base, &token, &child_json(&mut rng))
                        .await
                        .unwrap(),
                );
            }
            ids
        })
    };
    let out = {
        let (data, backups) = (data.clone(), backups.clone());
        tokio::task::spawn_blocking(move || {
            ok(&["backup", "--to", s(&backups), "--data-dir", s(&data)])
        })
        .await
        .unwrap()
    };
    let during = writer.await.unwrap();
    assert!(out.contains("integrity_check  ok"), "{out}");
    assert!(out.contains("audit chain ok"), "{out}");
    let backup = only_backup(&backups);
    assert!(backups_in(&backups)[0].starts_with("tsunagu-"));

    // The server holds the database: restore must refuse and change nothing.
    let live_before = file_bytes(&db_file(&data));
    let refused = tsunagu(&["restore", "--from", s(&backup), "--data-dir", s(&data)]);
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("stop the server"),
        "{}",
        text(&refused)
    );
    assert_eq!(file_bytes(&db_file(&data)), live_before);

    drop(server);
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Written after the backup: the restore must roll the database back to the snapshot.
    let after_backup = child_ids(&data).await;
    assert!(after_backup.len() >= 25);
    let out = ok(&["restore", "--from", s(&backup), "--data-dir", s(&data)]);
    assert!(out.contains("before-restore"), "{out}");
    let restored = child_ids(&data).await;
    for id in &before {
        assert!(
            restored.contains(id),
            "child {id} written before the backup is missing"
        );
    }
    assert!(restored.is_subset(&after_backup));
    assert!(restored.len() < after_backup.len() || during.iter().all(|i| restored.contains(i)));
    assert!(ok(&["audit", "verify", "--data-dir", s(&data)]).contains("audit chain ok"));
    let kept: Vec<String> = backups_in(&data)
        .into_iter()
        .filter(|n| n.starts_with("tsunagu.db.before-restore-"))
        .collect();
    assert_eq!(kept.len(), 1, "the previous database is kept");
    // The server starts on the restored database.
    let server = start_server(&data).await;
    let r = post_child(&http, &server.base, &token, &child_json(&mut rng)).await;
    assert!(r.is_ok(), "{r:?}");
}

/// Make a copy of a good backup, damage it with `damage`, and check restore refuses it without
/// touching the live database or leaving files behind.
async fn assert_restore_refuses(damage: impl FnOnce(&Path), expect: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let backups = tmp.path().join("backups");
    provision(&data);
    ok(&["backup", "--to", s(&backups), "--data-dir", s(&data)]);
    let bad = tmp.path().join("bad.db");
    std::fs::copy(only_backup(&backups), &bad).unwrap();
    damage(&bad);
    let live_before = file_bytes(&db_file(&data));
    let files_before = backups_in(&data);
    let o = tsunagu(&["restore", "--from", s(&bad), "--data-dir", s(&data)]);
    assert!(!o.status.success(), "a damaged backup was restored");
    let msg = text(&o);
    assert!(msg.contains(expect), "expected {expect:?} in:\n{msg}");
    assert!(msg.contains("nothing was changed"), "{msg}");
    assert_eq!(file_bytes(&db_file(&data)), live_before);
    assert_eq!(backups_in(&data), files_before, "no file left behind");
}

fn page_size_and_root(path: &Path, table: &str) -> (usize, usize) {
    let rt = tokio::runtime::Handle::current();
    let table = table.to_string();
    let path = path.to_path_buf();
    std::thread::spawn(move || {
        rt.block_on(async move {
            let store = store::maintenance::open_for_checks(&path).await.unwrap();
            let page: i64 = sqlx::query_scalar("PRAGMA page_size")
                .fetch_one(store.pool())
                .await
                .unwrap();
            let root: i64 = sqlx::query_scalar(
                "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = $1",
            )
            .bind(&table)
            .fetch_one(store.pool())
            .await
            .unwrap();
            store.close().await;
            (page as usize, root as usize)
        })
    })
    .join()
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_refuses_a_backup_with_a_damaged_page() {
    assert_restore_refuses(
        |bad| {
            let (page, root) = page_size_and_root(bad, "users");
            let mut bytes = file_bytes(bad);
            // Scramble the b-tree page header and cell pointers of the users table.
            let start = (root - 1) * page;
            for b in &mut bytes[start..start + 64] {
                *b ^= 0x5A;
            }
            std::fs::write(bad, bytes).unwrap();
        },
        "the backup",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_refuses_a_backup_whose_audit_row_was_edited() {
    assert_restore_refuses(
        |bad| {
            let rt = tokio::runtime::Handle::current();
            let bad = bad.to_path_buf();
            std::thread::spawn(move || {
                rt.block_on(async move {
                    let store = store::maintenance::open_for_checks(&bad).await.unwrap();
                    // Rewriting history needs the append-only trigger gone first.
                    for q in [
                        "DROP TRIGGER audit_log_no_update",
                        "UPDATE audit_log SET actor_login = 'someone-else' WHERE seq = 1",
                    ] {
                        sqlx::query(q).execute(store.pool()).await.unwrap();
                    }
                    store.close().await;
                })
            })
            .join()
            .unwrap();
        },
        "audit chain broken at row 1",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_refuses_a_file_that_is_not_a_database() {
    assert_restore_refuses(
        |bad| std::fs::write(bad, b"not a database at all, just some text").unwrap(),
        "cannot be read",
    )
    .await;
}

#[test]
fn backup_keeps_only_the_newest_generations() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let backups = tmp.path().join("backups");
    provision(&data);
    ok(&["backup", "--to", s(&backups), "--data-dir", s(&data)]);
    let first = only_backup(&backups);
    // Older generations (their names carry the time), plus files that are not generations.
    for stamp in ["20240101T000000Z", "20250101T000000Z", "20250601T120000Z"] {
        std::fs::copy(&first, backups.join(format!("tsunagu-{stamp}.db"))).unwrap();
    }
    std::fs::write(backups.join("notes.txt"), "keep me").unwrap();
    std::fs::write(backups.join("tsunagu-latest.db"), "keep me").unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    let out = ok(&[
        "backup",
        "--to",
        s(&backups),
        "--keep",
        "2",
        "--data-dir",
        s(&data),
    ]);
    assert!(out.contains("deleted old generation"), "{out}");
    let left = backups_in(&backups);
    assert_eq!(left.len(), 4, "{left:?}");
    assert!(left.contains(&"notes.txt".to_string()));
    assert!(left.contains(&"tsunagu-latest.db".to_string()));
    assert!(left.contains(&first.file_name().unwrap().to_str().unwrap().to_string()));
    assert!(!left
        .iter()
        .any(|n| n.contains("2024") || n.contains("2025")));
    let o = tsunagu(&[
        "backup",
        "--to",
        s(&backups),
        "--keep",
        "0",
        "--data-dir",
        s(&data),
    ]);
    assert!(!o.status.success(), "--keep 0 would delete every backup");
}

#[test]
fn backup_of_postgres_points_to_its_tools() {
    let o = tsunagu(&[
        "backup",
        "--to",
        "/nonexistent",
        "--database-url",
        "postgres://postgres@127.0.0.1:5432/postgres",
    ]);
    assert!(!o.status.success());
    let msg = text(&o);
    assert!(
        msg.contains("pg_dump") && msg.contains("audit verify"),
        "{msg}"
    );
}

/// Repeated backup → more writes → restore → verify. Every drill must give back exactly the
/// audit head recorded at backup time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_drills() {
    let drills: usize = std::env::var("TSUNAGU_RESTORE_DRILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let backups = tmp.path().join("backups");
    provision(&data);
    let url = format!("sqlite://{}", db_file(&data).display());
    let mut verified = 0;
    for drill in 0..drills {
        add_audit_rows(&url, 7, drill as u64).await;
        let out = ok(&[
            "backup",
            "--to",
            s(&backups),
            "--keep",
            "3",
            "--data-dir",
            s(&data),
        ]);
        let head_at_backup = audit_head(&data);
        let backup = backups.join(
            out.lines()
                .next()
                .and_then(|l| l.strip_prefix("backup written: "))
                .map(|p| Path::new(p).file_name().unwrap().to_owned())
                .unwrap(),
        );
        // Changes after the backup are what a restore must undo.
        add_audit_rows(&url, 3, 1000 + drill as u64).await;
        assert_ne!(audit_head(&data), head_at_backup);
        ok(&["restore", "--from", s(&backup), "--data-dir", s(&data)]);
        let verify = ok(&["audit", "verify", "--data-dir", s(&data)]);
        if verify.contains("audit chain ok") && audit_head(&data) == head_at_backup {
            verified += 1;
        }
        // Keep the data folder from filling with before-restore copies.
        for name in backups_in(&data) {
            if name.contains("before-restore") {
                std::fs::remove_file(data.join(name)).unwrap();
            }
        }
        // Backup names have one-second resolution.
        tokio::time::sleep(Duration::from_millis(1000)).await;
    }
    println!("restore drills verified: {verified}/{drills}");
    assert_eq!(verified, drills);
    assert!(backups_in(&backups).len() <= 3);
}

// ---------------------------------------------------------------------------------------------
// Audit tamper detection

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

async fn add_audit_rows(url: &str, n: usize, seed: u64) {
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

async fn rows(pool: &sqlx::AnyPool) -> Vec<[Option<String>; 11]> {
    use sqlx::Row;
    sqlx::query(
        "SELECT CAST(seq AS TEXT), at, center_id, actor_id, actor_login, action, entity, entity_id, \
         detail, prev_hash, hash FROM audit_log ORDER BY seq",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    .iter()
    .map(|r| std::array::from_fn(|i| r.try_get::<Option<String>, _>(i).unwrap()))
    .collect()
}

async fn apply(pool: &sqlx::AnyPool, rng: &mut impl Rng, kind: Tamper, n: i64) {
    let q = |sql: String| async move { sqlx::query(&sql).execute(pool).await.unwrap() };
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
                sqlx::query_scalar(&format!("SELECT {col} FROM audit_log WHERE seq = $1"))
                    .bind(seq)
                    .fetch_one(pool)
                    .await
                    .unwrap();
            let new = mutate_text(rng, old.as_deref());
            sqlx::query(&format!("UPDATE audit_log SET {col} = $1 WHERE seq = $2"))
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
            let mut ins = sqlx::query(&sql);
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
        sqlx::query(q).execute(&pool).await.unwrap();
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
            sqlx::query(q).execute(&pool).await.unwrap();
        }
        // Every trial starts from the pristine log (checked cheaply in SQL); every tenth the
        // untouched log also goes through the full verification, which must not alarm.
        let differing: i64 = sqlx::query_scalar(
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

// ---------------------------------------------------------------------------------------------
// Crash consistency

/// 50 kills in the default suite (about 10–20 s): every CI run repeats the crash check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_consistency_smoke() {
    crash_harness(50).await;
}

/// The long run: `TSUNAGU_CRASH_RUNS=1000 cargo test -p tsunagu-cli crash -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "long: run with `cargo test -p tsunagu-cli crash -- --ignored` (TSUNAGU_CRASH_RUNS)"]
async fn crash_consistency_under_sigkill() {
    let runs: usize = std::env::var("TSUNAGU_CRASH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    crash_harness(runs).await;
}

/// Start the real server, write through the API from several clients, SIGKILL it at a random
/// moment, and check after every kill that each acknowledged write survived, that
/// `PRAGMA integrity_check` is ok and that the audit chain verifies (the store's check and
/// `tsunagu audit verify`). The next run's start is the restart after the crash.
///
/// SIGKILL tests the process dying with its writes in flight; the kernel still flushes what the
/// process wrote, so power loss (what synchronous=FULL is for) is not simulated here.
async fn crash_harness(runs: usize) {
    let seed: u64 = std::env::var("TSUNAGU_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    // A fresh folder now and then keeps each check's cost flat over a long run.
    const RUNS_PER_FOLDER: usize = 100;
    const WRITERS: usize = 6;
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let started = Instant::now();
    let (mut acked_total, mut lost, mut integrity_failures, mut audit_failures) = (0, 0, 0, 0);
    let mut start_failures = 0;
    let mut killed_mid_write = 0;
    let mut data = PathBuf::new();
    let mut token = String::new();
    let mut acked: Vec<String> = Vec::new();
    for run in 0..runs {
        if run % RUNS_PER_FOLDER == 0 {
            data = tmp.path().join(format!("data-{run}"));
            token = provision(&data);
            acked.clear();
        }
        let server = start_server(&data).await;
        let got: Arc<Mutex<Vec<String>>> = Arc::default();
        let in_flight = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut writers = Vec::new();
        for w in 0..WRITERS {
            let (http, base, token, got, in_flight) = (
                http.clone(),
                server.base.clone(),
                token.clone(),
                got.clone(),
                in_flight.clone(),
            );
            let mut wrng = ChaCha8Rng::seed_from_u64(rng.gen::<u64>() ^ w as u64);
            writers.push(tokio::spawn(async move {
                loop {
                    let body = child_json(&mut wrng);
                    in_flight.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let r = post_child(&http, &base, &token, &body).await;
                    in_flight.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                    match r {
                        Ok(id) => got.lock().unwrap().push(id),
                        // Refused or cut off by the kill: not acknowledged, nothing to check.
                        Err(_) => return,
                    }
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(rng.gen_range(5..300))).await;
        let mut server = server;
        if in_flight.load(std::sync::atomic::Ordering::SeqCst) > 0 {
            killed_mid_write += 1;
        }
        server.child.start_kill().unwrap(); // SIGKILL on unix
        let _ = server.child.wait().await;
        for w in writers {
            let _ = w.await;
        }
        let this_run: Vec<String> = got.lock().unwrap().drain(..).collect();
        acked_total += this_run.len();
        acked.extend(this_run);

        let check = store::maintenance::check_sqlite_file(&db_file(&data))
            .await
            .unwrap();
        if check.integrity != ["ok"] || check.foreign_key_violations > 0 {
            integrity_failures += 1;
            eprintln!("run {run}: integrity {:?}", check.integrity);
        }
        if !matches!(check.audit, ChainStatus::Ok { .. }) {
            audit_failures += 1;
            eprintln!("run {run}: audit {:?}", check.audit);
        }
        let present = child_ids(&data).await;
        let missing = acked.iter().filter(|id| !present.contains(*id)).count();
        if missing > 0 {
            eprintln!("run {run}: {missing} acknowledged write(s) missing");
        }
        lost += missing;
        // The CLI's own verification, as an operator would run it after a crash.
        let verify = tsunagu(&["audit", "verify", "--data-dir", s(&data)]);
        if !verify.status.success() {
            audit_failures += 1;
            eprintln!("run {run}: {}", text(&verify));
        }
        if run % 50 == 49 {
            eprintln!(
                "crash runs {}/{runs}: {} acknowledged so far, {lost} lost, {integrity_failures} integrity failures, {:.2} s/run",
                run + 1,
                acked_total,
                started.elapsed().as_secs_f64() / (run + 1) as f64
            );
        }
    }
    // Restart once more on the last folder: the server must come up after the final kill.
    let server = start_server(&data).await;
    if post_child(&http, &server.base, &token, &child_json(&mut rng))
        .await
        .is_err()
    {
        start_failures += 1;
    }
    drop(server);
    let secs = started.elapsed().as_secs_f64();
    println!(
        "crash runs: {runs} SIGKILLs ({killed_mid_write} with requests in flight), {acked_total} acknowledged writes, \
         {lost} lost, {integrity_failures} integrity failures, {audit_failures} audit chain failures, \
         {start_failures} failed restarts; {:.2} s per run",
        secs / runs as f64
    );
    assert_eq!(lost, 0, "acknowledged writes were lost");
    assert_eq!(integrity_failures, 0);
    assert_eq!(audit_failures, 0);
    assert_eq!(start_failures, 0);
}

/// `tsunagu disaster pack` writes the area's sheets as one printable HTML file (one article
/// per child, styles inline, no script) and a CP932 CSV, acting as (and audited as) the login.
#[tokio::test]
async fn disaster_pack_writes_printable_sheets_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let token = provision(&data);
    let server = start_server(&data).await;
    let http = reqwest::Client::new();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for _ in 0..3 {
        post_child(&http, &server.base, &token, &child_json(&mut rng))
            .await
            .unwrap();
    }
    drop(server);
    // Let the killed server release the database before the tool opens it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let out = dir.path().join("pack");
    let printed = ok(&[
        "disaster",
        "pack",
        "--login",
        "adv",
        "--municipality",
        "392014",
        "--out",
        s(&out),
        "--data-dir",
        s(&data),
    ]);
    assert!(printed.starts_with("3 sheets"), "{printed}");
    let html = std::fs::read_to_string(out.join("emergency-sheets-392014.html")).unwrap();
    assert_eq!(html.matches("class=\"sheet a4\"").count(), 3);
    assert!(html.contains("<style>") && !html.contains("<script"));
    let csv = std::fs::read(out.join("emergency-sheets-392014.csv")).unwrap();
    let text = domain::export::decode_csv_bytes(&csv).unwrap();
    assert_eq!(text.lines().count(), 4, "header and three children");
    // An unknown login or municipality is refused, nothing written.
    let bad = tsunagu(&[
        "disaster",
        "pack",
        "--login",
        "nobody",
        "--municipality",
        "392014",
        "--out",
        s(&out),
        "--data-dir",
        s(&data),
    ]);
    assert!(!bad.status.success());
    let bad = tsunagu(&[
        "disaster",
        "pack",
        "--login",
        "adv",
        "--municipality",
        "999999",
        "--out",
        s(&dir.path().join("none")),
        "--data-dir",
        s(&data),
    ]);
    assert!(!bad.status.success());
    assert!(!dir.path().join("none").exists());
}

/// The README's first command: `tsunagu demo` loads the fictional dataset through the use
/// cases and serves it. The outage part of the demo is there: power-dependent children with
/// kept estimates, a lent unit, and an open outage whose triage lists them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_loads_the_dataset_and_serves_it() {
    use tokio::io::AsyncBufReadExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut child = tokio::process::Command::new(BIN)
        .args(["demo", "--listen", "127.0.0.1:0", "--data-dir", s(&data)])
        .env_remove("TSUNAGU_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = tokio::time::timeout(Duration::from_secs(300), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line.split("listening on http://").nth(1) {
                return rest.split('/').next().unwrap().to_string();
            }
        }
        panic!("the demo exited before listening");
    })
    .await
    .expect("the demo did not start within 300 s");
    let res = reqwest::get(format!("http://{addr}/login")).await.unwrap();
    assert_eq!(res.status(), 200);
    let _ = child.start_kill();
    let _ = child.wait().await;

    let store = Store::connect(&format!("sqlite://{}", s(&db_file(&data))))
        .await
        .unwrap();
    let count = |sql: &'static str| {
        let pool = store.pool().clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert!(count("SELECT COUNT(*) FROM child_power_estimates").await > 0);
    assert!(count("SELECT COUNT(*) FROM power_units WHERE returned_on IS NULL").await > 0);
    assert!(count("SELECT COUNT(*) FROM incidents WHERE status = 'open'").await > 0);
    store.close().await;
}
