//! Integration tests of the `tsunagu` binary: backup and restore, audit tamper detection, and the
//! crash-consistency harness (SIGKILL during writes). See docs/backup.md.
//!
//! The crash harness is `#[ignore]`d so the default suite stays quick; run it with
//! `TSUNAGU_CRASH_RUNS=1000 cargo test -p tsunagu-cli crash -- --ignored --nocapture`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod backup;
mod commands;
mod crash;

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
    let ids: Vec<String> = store::db::query_scalar("SELECT id FROM children")
        .fetch_all(store.pool())
        .await
        .unwrap();
    store.close().await;
    ids.into_iter().collect()
}
