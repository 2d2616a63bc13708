//! `tsunagu backup` and `tsunagu restore` for the embedded SQLite database (docs/backup.md).
//!
//! A backup is only worth keeping if it can be restored, so both directions run the same checks
//! (integrity_check, foreign_key_check, the audit hash chain) on the exact bytes that will be
//! kept or put in place, and refuse — leaving nothing behind and changing nothing — if any fails.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use store::audit::ChainStatus;
use store::maintenance::{self, FileCheck};

use crate::DbArgs;

/// Name of the live database file inside the data folder (as `serve` opens it).
const DB_FILE: &str = "tsunagu.db";

/// Deletes a temporary file when dropped unless it was kept, so a failed or interrupted step
/// never leaves a half-made copy where someone could mistake it for a good one.
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl TempFile {
    fn new(path: PathBuf) -> TempFile {
        TempFile { path, keep: false }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn postgres_hint(url: &str) -> Option<String> {
    if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Some(
            "tsunagu backup/restore handle the embedded SQLite database only.\n\
             For PostgreSQL use its own tools (see docs/backup.md):\n  \
             backup:  pg_dump -Fc -f tsunagu-$(date -u +%Y%m%dT%H%M%SZ).dump \"$URL\"\n           \
             or pg_basebackup with WAL archiving for point-in-time recovery\n  \
             restore: pg_restore --clean --if-exists -d \"$URL\" FILE.dump\n  \
             then:    tsunagu audit verify --database-url \"$URL\" (and compare with a recorded `tsunagu audit head`)"
                .to_string(),
        )
    } else {
        None
    }
}

/// The store's message without its category prefix: these errors are read by operators.
fn plain(e: store::StoreError) -> String {
    match e {
        store::StoreError::Config(m) => m,
        other => other.to_string(),
    }
}

fn sync_file(path: &Path) -> anyhow::Result<()> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot flush {} to disk", path.display()))
}

/// A rename is durable only once the directory entry itself is on disk.
fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    File::open(dir)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot flush folder {} to disk", dir.display()))
}

fn timestamp() -> String {
    chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string()
}

/// Run every check on `path` and turn any failure into one error listing all problems.
async fn verified(path: &Path, what: &str) -> anyhow::Result<FileCheck> {
    let check = maintenance::check_sqlite_file(path).await.map_err(|e| {
        anyhow::anyhow!("{what} cannot be read as a tsunagu database: {}", plain(e))
    })?;
    let problems = check.problems();
    if !problems.is_empty() {
        bail!("{what} failed verification:\n  {}", problems.join("\n  "));
    }
    Ok(check)
}

fn describe(check: &FileCheck) -> String {
    let audit = match &check.audit {
        ChainStatus::Ok { rows, head } => format!("audit chain ok: {rows} rows, head {head}"),
        ChainStatus::Broken { seq, reason } => format!("audit chain BROKEN at {seq}: {reason}"),
    };
    format!(
        "  size             {} bytes\n  integrity_check  {}\n  foreign_key_check {} violation(s)\n  schema version   {}\n  {audit}",
        check.bytes,
        check.integrity.join("; "),
        check.foreign_key_violations,
        check.schema_version,
    )
}

/// Whether `name` is a generation written by [`backup`]: `tsunagu-YYYYMMDDTHHMMSSZ.db`.
fn is_generation(name: &str) -> bool {
    let Some(stamp) = name
        .strip_prefix("tsunagu-")
        .and_then(|s| s.strip_suffix(".db"))
    else {
        return false;
    };
    let b = stamp.as_bytes();
    b.len() == 16
        && b[8] == b'T'
        && b[15] == b'Z'
        && b[..8].iter().chain(&b[9..15]).all(u8::is_ascii_digit)
}

/// Delete the oldest generations in `dir` beyond `keep`; returns the names deleted.
/// The timestamp in the name sorts in time order, so no file dates are trusted.
fn prune(dir: &Path, keep: usize) -> anyhow::Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| is_generation(n))
        .collect();
    names.sort();
    let excess = names.len().saturating_sub(keep);
    let mut deleted = Vec::new();
    for name in names.into_iter().take(excess) {
        std::fs::remove_file(dir.join(&name))
            .with_context(|| format!("cannot delete old backup {name}"))?;
        deleted.push(name);
    }
    if !deleted.is_empty() {
        sync_dir(dir)?;
    }
    Ok(deleted)
}

/// `tsunagu backup --to DIR --keep N`: consistent online copy, verified, then kept.
pub(crate) async fn backup(db: &DbArgs, to: &Path, keep: usize) -> anyhow::Result<()> {
    if let Some(hint) = db.database_url.as_deref().and_then(postgres_hint) {
        bail!(hint);
    }
    let source = db.data_dir.join(DB_FILE);
    if !source.is_file() {
        bail!(
            "no database at {}; pass the server's --data-dir",
            source.display()
        );
    }
    std::fs::create_dir_all(to)
        .with_context(|| format!("cannot create backup folder {}", to.display()))?;
    let name = format!("tsunagu-{}.db", timestamp());
    let target = to.join(&name);
    if target.exists() {
        bail!(
            "{} already exists (one backup per second at most); try again",
            target.display()
        );
    }
    let partial = TempFile::new(to.join(format!(".{name}.partial")));
    maintenance::sqlite_snapshot(&source, &partial.path)
        .await
        .map_err(|e| anyhow::anyhow!("cannot copy {}: {}", source.display(), plain(e)))?;
    let check = verified(&partial.path, "the new copy").await?;
    sync_file(&partial.path)?;
    std::fs::rename(&partial.path, &target)
        .with_context(|| format!("cannot move the copy to {}", target.display()))?;
    let mut partial = partial;
    partial.keep = true;
    sync_dir(to)?;
    println!("backup written: {}\n{}", target.display(), describe(&check));
    for old in prune(to, keep)? {
        println!("deleted old generation {old} (keeping {keep})");
    }
    Ok(())
}

/// `tsunagu restore --from FILE`: verify, set the current database aside, put the copy in place.
pub(crate) async fn restore(db: &DbArgs, from: &Path) -> anyhow::Result<()> {
    if let Some(hint) = db.database_url.as_deref().and_then(postgres_hint) {
        bail!(hint);
    }
    if !from.is_file() {
        bail!("no backup file at {}", from.display());
    }
    let mut wal = from.as_os_str().to_owned();
    wal.push("-wal");
    if Path::new(&wal).exists() {
        bail!(
            "{} has a -wal file next to it: it is a live database, not a closed backup; \
             make a backup of it with `tsunagu backup` and restore that",
            from.display()
        );
    }
    std::fs::create_dir_all(&db.data_dir)
        .with_context(|| format!("cannot create data folder {}", db.data_dir.display()))?;
    let live = db.data_dir.join(DB_FILE);
    // Verify a private copy, not the original: what is checked is exactly what goes in place,
    // and opening it cannot alter the operator's backup file.
    let staged = TempFile::new(db.data_dir.join(format!(".{DB_FILE}.restore-partial")));
    std::fs::copy(from, &staged.path)
        .with_context(|| format!("cannot copy {} into the data folder", from.display()))?;
    let check = verified(&staged.path, "the backup")
        .await
        .map_err(|e| anyhow::anyhow!("{e}\nrestore refused; nothing was changed"))?;
    let known = maintenance::latest_sqlite_schema_version();
    if check.schema_version > known {
        bail!(
            "the backup has schema version {} but this tsunagu knows only up to {known}: \
             restore it with the newer version; nothing was changed",
            check.schema_version
        );
    }
    sync_file(&staged.path)?;
    maintenance::sqlite_take_offline(&live)
        .await
        .map_err(|e| anyhow::anyhow!("{}\nrestore refused; nothing was changed", plain(e)))?;
    let mut live_wal = live.as_os_str().to_owned();
    live_wal.push("-wal");
    let live_wal = PathBuf::from(live_wal);
    // After the checkpoint the log must be gone or empty; a stale log next to the restored file
    // would be replayed into it.
    if std::fs::metadata(&live_wal).is_ok_and(|m| m.len() > 0) {
        bail!(
            "{} still holds unmerged changes; stop every process using the database and retry; nothing was changed",
            live_wal.display()
        );
    }
    let kept = db
        .data_dir
        .join(format!("{DB_FILE}.before-restore-{}", timestamp()));
    if live.exists() {
        // A hard link keeps the old file without a moment where no database is in place (a
        // server started then would create an empty one).
        if std::fs::hard_link(&live, &kept).is_err() {
            std::fs::copy(&live, &kept).with_context(|| {
                format!("cannot keep the current database as {}", kept.display())
            })?;
            sync_file(&kept)?;
        }
    }
    std::fs::rename(&staged.path, &live)
        .with_context(|| format!("cannot put the backup in place at {}", live.display()))?;
    let mut staged = staged;
    staged.keep = true;
    let mut live_shm = live.as_os_str().to_owned();
    live_shm.push("-shm");
    let _ = std::fs::remove_file(&live_wal);
    let _ = std::fs::remove_file(PathBuf::from(live_shm));
    sync_dir(&db.data_dir)?;
    println!(
        "restored {} to {}\n{}",
        from.display(),
        live.display(),
        describe(&check)
    );
    if kept.exists() {
        println!("the previous database is kept as {}", kept.display());
    }
    println!("start the server again; `tsunagu audit verify` checks the chain at any time");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::is_generation;

    #[test]
    fn only_backup_generations_are_pruned() {
        assert!(is_generation("tsunagu-20261129T034157Z.db"));
        assert!(!is_generation("tsunagu.db"));
        assert!(!is_generation(".tsunagu-20261129T034157Z.db.partial"));
        assert!(!is_generation("tsunagu-2026112XT034157Z.db"));
        assert!(!is_generation("tsunagu-20261129T034157Z.db.before-restore"));
    }
}
