//! `tsunagu`: the one binary. Serves the web app, loads demo data, manages centers, users and
//! tokens, verifies the audit chain, and backs up and restores the SQLite database.

mod backup;
mod bench;
mod demo;

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use store::Store;

#[derive(Parser)]
#[command(
    name = "tsunagu",
    version,
    about = "医療的ケア児支援センターの業務システム / support-center system for children with medical care needs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
pub(crate) struct DbArgs {
    /// Folder for the embedded SQLite database.
    #[arg(long, default_value = "./tsunagu-data")]
    data_dir: PathBuf,
    /// PostgreSQL URL (postgres://…); overrides --data-dir.
    #[arg(long, env = "TSUNAGU_DATABASE_URL")]
    database_url: Option<String>,
}

#[derive(Args, Clone)]
struct ServeArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// A TLS proxy sits in front: set the Secure flag on cookies, and throttle logins by the
    /// client address the proxy appends to X-Forwarded-For (the last entry). Only when the
    /// server cannot be reached except through that proxy.
    #[arg(long)]
    behind_tls_proxy: bool,
    /// Serve HTTPS with this PEM certificate chain (needs --tls-key).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server.
    Serve(ServeArgs),
    /// Load the fictional demo dataset into an empty database, print the logins, and serve.
    Demo(ServeArgs),
    /// Manage centers.
    Center {
        #[command(subcommand)]
        cmd: CenterCmd,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        cmd: UserCmd,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        cmd: TokenCmd,
    },
    /// Benchmark harness: seed a synthetic dataset, measure the server.
    Bench {
        #[command(subcommand)]
        cmd: bench::BenchCmd,
    },
    /// Disaster preparedness tools.
    Disaster {
        #[command(subcommand)]
        cmd: DisasterCmd,
    },
    /// Audit log tools.
    Audit {
        #[command(subcommand)]
        cmd: AuditCmd,
    },
    /// Copy the SQLite database while the server runs, verify the copy, keep N generations.
    Backup {
        /// Folder for the backup files (tsunagu-YYYYMMDDTHHMMSSZ.db).
        #[arg(long)]
        to: PathBuf,
        /// Generations to keep; older ones are deleted after a verified backup.
        #[arg(long, default_value_t = 14, value_parser = clap::value_parser!(u32).range(1..))]
        keep: u32,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Replace the SQLite database with a verified backup. Stop the server first.
    Restore {
        /// Backup file written by `tsunagu backup`.
        #[arg(long)]
        from: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum CenterCmd {
    /// Add a center.
    Add {
        /// Short slug, e.g. kochi.
        #[arg(long)]
        code: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Prefecture or municipality code served.
        #[arg(long)]
        jurisdiction: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum UserCmd {
    /// Add a user to a center.
    Add {
        /// Center slug.
        #[arg(long)]
        center: String,
        /// Login name.
        #[arg(long)]
        login: String,
        /// admin, advisor, consultant, coordinator, municipal, viewer or auditor.
        #[arg(long)]
        role: String,
        /// Name shown in pages (defaults to the login).
        #[arg(long)]
        display_name: Option<String>,
        /// Municipality codes covered (municipal users), comma-separated.
        #[arg(long, value_delimiter = ',')]
        municipalities: Vec<String>,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum TokenCmd {
    /// Create an API bearer token and print it once.
    Create {
        /// Login the token acts as.
        #[arg(long)]
        login: String,
        /// Days until it expires.
        #[arg(long, default_value_t = 90)]
        expires_days: i64,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum DisasterCmd {
    /// Write the offline pack of an area: every emergency information sheet in one printable
    /// HTML file (open in any browser and print, one A4 page per child) plus a CSV, for when
    /// the network is down. Acts as --login (authorized and audited as that person).
    Pack {
        /// Staff login the export acts as.
        #[arg(long)]
        login: String,
        /// Municipality (or prefecture) code.
        #[arg(long)]
        municipality: String,
        /// Folder to write emergency-sheets-<code>.html and .csv into.
        #[arg(long)]
        out: PathBuf,
        /// CSV encoding: cp932 (Excel) or utf8.
        #[arg(long, default_value = "cp932")]
        encoding: String,
        /// Language of the sheets: ja or en.
        #[arg(long, default_value = "ja")]
        lang: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Verify the hash chain; exits non-zero naming the first bad row.
    Verify {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Print the latest audit row's sequence number and hash, to record outside the database.
    Head {
        #[command(flatten)]
        db: DbArgs,
    },
}

fn database_url(db: &DbArgs) -> anyhow::Result<String> {
    if let Some(url) = &db.database_url {
        return Ok(url.clone());
    }
    std::fs::create_dir_all(&db.data_dir)
        .with_context(|| format!("cannot create data folder {}", db.data_dir.display()))?;
    Ok(format!(
        "sqlite://{}",
        db.data_dir.join("tsunagu.db").display()
    ))
}

pub(crate) async fn open(db: &DbArgs) -> anyhow::Result<Store> {
    let url = database_url(db)?;
    Store::connect(&url)
        .await
        .with_context(|| "cannot open the database".to_string())
}

pub(crate) fn print_store_error(e: store::StoreError) -> anyhow::Error {
    match e {
        store::StoreError::Validation(errs) => {
            let msgs: Vec<String> = errs
                .iter()
                .map(|e| format!("{}: {} / {}", e.field, e.ja, e.en))
                .collect();
            anyhow::anyhow!("invalid input:\n  {}", msgs.join("\n  "))
        }
        other => anyhow::anyhow!(other),
    }
}

async fn serve(args: ServeArgs, store: Store) -> anyhow::Result<()> {
    if let Some((mode, sync)) = store.sqlite_settings().await? {
        tracing::info!(journal_mode = %mode, synchronous = sync, "sqlite durability settings");
    }
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            Some(web::TlsFiles::load(cert, key).await.with_context(|| {
                format!(
                    "cannot use TLS certificate {} with key {}",
                    cert.display(),
                    key.display()
                )
            })?)
        }
        _ => None,
    };
    let listener = std::net::TcpListener::bind(&args.listen)
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!(
        "tsunagu listening on {scheme}://{addr}/ ({})",
        store.backend().name()
    );
    let state = web::AppState::new(
        store,
        Arc::new(web::SystemClock),
        web::WebConfig {
            secure_cookies: args.behind_tls_proxy || tls.is_some(),
        },
    )
    .with_tls_proxy(args.behind_tls_proxy);
    match tls {
        Some(tls) => web::serve_tls(listener, state, tls).await?,
        None => {
            listener.set_nonblocking(true)?;
            web::serve(tokio::net::TcpListener::from_std(listener)?, state).await?
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // Bulk loads run statements that are slow by design; the bench prints its own progress.
    let default_filter = match cli.command {
        Command::Bench { .. } => "warn,sqlx=error",
        _ => "info,sqlx=warn",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter)),
        )
        .init();
    let now = chrono::Utc::now();
    match cli.command {
        Command::Serve(args) => {
            let store = open(&args.db).await?;
            serve(args, store).await
        }
        Command::Demo(args) => {
            let store = open(&args.db).await?;
            if store.center_count().await? == 0 {
                println!("loading the fictional demo dataset…");
                let logins = demo::load(&store, now).await.map_err(print_store_error)?;
                println!("demo logins (password for all: {}):", demo::DEMO_PASSWORD);
                for (login, role, center) in logins {
                    println!("  {login:<22} {role:<12} {center}");
                }
                println!(
                    "admin and advisor logins set up two-step verification at first login \
                     (any TOTP authenticator app); the other roles log in with the password"
                );
            } else {
                println!("database already has data; demo dataset not loaded again (password for demo logins: {})", demo::DEMO_PASSWORD);
            }
            serve(args, store).await
        }
        Command::Center {
            cmd:
                CenterCmd::Add {
                    code,
                    name,
                    jurisdiction,
                    db,
                },
        } => {
            let store = open(&db).await?;
            let c = store
                .add_center(
                    &domain::center::new_center(&code, &name, &jurisdiction)
                        .map_err(|e| print_store_error(e.into()))?,
                    now,
                )
                .await
                .map_err(print_store_error)?;
            println!("center {} added ({})", c.code, c.id);
            Ok(())
        }
        Command::User {
            cmd:
                UserCmd::Add {
                    center,
                    login,
                    role,
                    display_name,
                    municipalities,
                    password_stdin,
                    db,
                },
        } => {
            let Some(role) = domain::Role::parse(&role) else {
                bail!("unknown role {role}: use admin, advisor, consultant, coordinator, municipal, viewer or auditor");
            };
            let display = display_name.unwrap_or_else(|| login.clone());
            let password = if password_stdin {
                let mut s = String::new();
                std::io::stdin().read_to_string(&mut s)?;
                s.trim_end_matches(['\n', '\r']).to_string()
            } else {
                store::users::generate_password(&[&login, &display])
            };
            let store = open(&db).await?;
            store
                .add_user(
                    &domain::account::NewUser {
                        center_code: &center,
                        login: &login,
                        display_name: &display,
                        role,
                        password: &password,
                        professions: Vec::new(),
                        municipalities,
                    }
                    .parse()
                    .map_err(|e| print_store_error(e.into()))?,
                    now,
                )
                .await
                .map_err(print_store_error)?;
            if password_stdin {
                println!("user {login} added");
            } else {
                println!("user {login} added; password (shown once): {password}");
            }
            Ok(())
        }
        Command::Token {
            cmd:
                TokenCmd::Create {
                    login,
                    expires_days,
                    db,
                },
        } => {
            let store = open(&db).await?;
            let token = store
                .create_token(&login, expires_days, now)
                .await
                .map_err(print_store_error)?;
            println!("{token}");
            Ok(())
        }
        Command::Bench { cmd } => bench::main(cmd).await,
        Command::Backup { to, keep, db } => {
            backup::backup(&db, &to, usize::try_from(keep).unwrap_or(usize::MAX)).await
        }
        Command::Restore { from, db } => backup::restore(&db, &from).await,
        Command::Disaster {
            cmd:
                DisasterCmd::Pack {
                    login,
                    municipality,
                    out,
                    encoding,
                    lang,
                    db,
                },
        } => disaster_pack(&db, &login, &municipality, &out, &encoding, &lang).await,
        Command::Audit {
            cmd: AuditCmd::Head { db },
        } => {
            let store = open(&db).await?;
            match store.audit_head().await? {
                Some((seq, hash)) => println!("{seq} {hash}"),
                None => println!("0 {}", domain::audit::GENESIS_HASH),
            }
            Ok(())
        }
        Command::Audit {
            cmd: AuditCmd::Verify { db },
        } => {
            let store = open(&db).await?;
            match store.verify_audit().await? {
                store::audit::ChainStatus::Ok { rows, head } => {
                    println!("audit chain ok: {rows} rows, head {head}");
                    Ok(())
                }
                store::audit::ChainStatus::Broken { seq, reason } => {
                    eprintln!("audit chain BROKEN at row {seq}: {reason}");
                    std::process::exit(1);
                }
            }
        }
    }
}

/// `tsunagu disaster pack`: the area's emergency sheets as one printable HTML file and a CSV.
async fn disaster_pack(
    db: &DbArgs,
    login: &str,
    municipality: &str,
    out: &std::path::Path,
    encoding: &str,
    lang: &str,
) -> anyhow::Result<()> {
    let encoding = domain::export::CsvEncoding::parse(encoding)
        .ok_or_else(|| anyhow::anyhow!("--encoding must be cp932 or utf8"))?;
    let lang =
        domain::Lang::parse(lang).ok_or_else(|| anyhow::anyhow!("--lang must be ja or en"))?;
    let store = open(db).await?;
    let actor = store
        .actor_by_login(login)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no active user with login {login}"))?;
    let now = chrono::Utc::now();
    let sheets = store
        .emergency_sheets(&actor, None, Some(municipality), now)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let today = domain::dates::jst_date(now).to_string();
    let html = web::plans::offline_pack_html(&sheets, municipality, lang, &today)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let csv = web::plans::sheets_csv(&sheets, encoding, lang)
        .map_err(|e| anyhow::anyhow!("{}", e.message(lang)))?;
    std::fs::create_dir_all(out)?;
    let code = municipality.trim();
    let html_path = out.join(format!("emergency-sheets-{code}.html"));
    let csv_path = out.join(format!("emergency-sheets-{code}.csv"));
    std::fs::write(&html_path, html)?;
    std::fs::write(&csv_path, csv)?;
    println!(
        "{} sheets: {} and {}",
        sheets.len(),
        html_path.display(),
        csv_path.display()
    );
    Ok(())
}
