//! Backup and restore: a live database backed up, verified and restored; damaged backups refused.

use super::*;
use crate::audit::add_audit_rows;

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
            let page: i64 = store::db::query_scalar("PRAGMA page_size")
                .fetch_one(store.pool())
                .await
                .unwrap();
            let root: i64 = store::db::query_scalar(
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
                        store::db::query(q).execute(store.pool()).await.unwrap();
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
