//! The `siar` binary: command line, configuration, logging and wiring.

mod config;

/// The server's allocator (see the workspace's Cargo.toml for why).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use config::{Config, Overrides};
use siar_app::jobs::{Worker, WorkerConfig};
use siar_app::secrets::Keyring;
use siar_app::{Actor, App, AppConfig, AppError, Store, demo};
use siar_domain::org::Role;
use siar_domain::time::SystemClock;
use siar_store::db::StoreOptions;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

#[derive(Parser, Debug)]
#[command(
    name = "siar",
    version,
    about = "Siar: social media and community engagement hub for public libraries"
)]
struct Cli {
    /// The data folder (SQLite database, key file, media). Env: SIAR_DATA_DIR.
    #[arg(long = "data", global = true, value_name = "DIR")]
    data: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve a ready demo library (Perpustakaan Kota Palembang) on SQLite.
    Demo {
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
    },
    /// Serve the console, portal and API, with the job worker unless --no-worker.
    Serve {
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        #[arg(long)]
        no_worker: bool,
    },
    /// Run the job worker alone.
    Worker {
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Apply database migrations.
    Migrate {
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Administration tasks.
    Admin {
        #[arg(long, value_name = "FILE", global = true)]
        config: Option<PathBuf>,
        #[command(subcommand)]
        task: AdminTask,
    },
    /// Print the configuration in force, secrets hidden.
    PrintConfig {
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum AdminTask {
    /// Create an organisation (a library).
    CreateOrg {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
    },
    /// Create a staff account. The password comes from SIAR_NEW_PASSWORD, or a random
    /// one is generated and printed once.
    CreateUser {
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        name: Option<String>,
    },
    /// Set a new password for a staff account (SIAR_NEW_PASSWORD or generated).
    ResetPassword {
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
    },
    /// Print a new API token scoped to an organisation and a role.
    ApiToken {
        #[arg(long)]
        org: String,
        #[arg(long)]
        role: String,
        #[arg(long, default_value = "cli")]
        label: String,
    },
}

fn env_var(k: &str) -> Option<String> {
    std::env::var(k).ok()
}

fn init_tracing(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}

/// Opens the database, applies migrations, loads the key: everything every command needs.
async fn open_app(cfg: &Config, demo_mode: bool) -> Result<App> {
    let url = cfg.db_url()?;
    cfg.prepare_data_dir()?;
    // The key is checked before the database is touched, so a bad key changes nothing.
    let keys = Keyring::load(cfg.secret_key.as_deref(), &cfg.data_dir)
        .context("cannot load the secret key (SIAR_SECRET_KEY or secret.key in the data folder)")?;
    let store = Store::open(&url, &StoreOptions::default())
        .await
        .with_context(|| format!("cannot open the database {} (check DATABASE_URL, or that the data folder is writable)", url.redacted()))?;
    let now = siar_domain::Clock::now(&SystemClock).0;
    let report = siar_store::migrate::migrate(&store, now)
        .await
        .context("cannot apply database migrations")?;
    if !report.applied.is_empty() {
        tracing::info!(applied = ?report.applied, "database migrated to version {}", report.current);
    }
    let app_cfg = AppConfig {
        demo_mode,
        session_idle: Duration::from_secs(cfg.session_idle_hours * 3600),
        audit_retention: Duration::from_secs(cfg.audit_retention_days * 86_400),
        public_url: cfg.public_base(),
        media_dir: cfg.data_dir.join("media"),
        platforms: platform_settings(cfg),
        mail: cfg.mail(),
        translate: Some(siar_web::i18n::t_args),
        raw_event_days: cfg.raw_event_days,
        ..AppConfig::default()
    };
    Ok(App::new(store, Arc::new(SystemClock), keys, app_cfg))
}

/// The platforms' API locations and this deployment's app credentials.
fn platform_settings(cfg: &Config) -> siar_app::channels::PlatformSettings {
    let mut p = siar_app::channels::PlatformSettings::default();
    p.x.client_id = cfg.x_client_id.clone().unwrap_or_default();
    p.x.client_secret = cfg.x_client_secret.clone().unwrap_or_default();
    p.facebook.client_id = cfg.facebook_app_id.clone().unwrap_or_default();
    p.facebook.client_secret = cfg.facebook_app_secret.clone().unwrap_or_default();
    p.youtube.client_id = cfg.google_client_id.clone().unwrap_or_default();
    p.youtube.client_secret = cfg.google_client_secret.clone().unwrap_or_default();
    if let Some(v) = &cfg.youtube_privacy {
        p.youtube_privacy = v.clone();
    }
    p.meta_verify_token = cfg.meta_verify_token.clone().unwrap_or_default();
    p.x_consumer_secret = cfg.x_consumer_secret.clone().unwrap_or_default();
    p
}

/// Turns SIGINT/SIGTERM into a `true` on the returned channel.
fn shutdown_signal() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => {}
            _ = term => {}
        }
        tracing::info!("shutting down: no new work is taken; work in hand is finished or released");
        let _ = tx.send(true);
    });
    rx
}

fn worker_for(app: &App) -> Worker {
    let id = format!("{}-{}", hostname(), std::process::id());
    Worker::new(app.clone(), id, WorkerConfig::default())
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "siar".into())
}

async fn serve(app: App, cfg: &Config, with_worker: bool) -> Result<()> {
    let stop = shutdown_signal();
    let worker = with_worker.then(|| tokio::spawn(worker_for(&app).run(stop.clone())));
    let web = siar_web::WebState::new(
        app.clone(),
        siar_web::WebConfig {
            secure_cookies: cfg.secure_cookies,
            portal_org: cfg.portal_org.clone(),
        },
    );
    let router = siar_web::router(web);
    let listener = tokio::net::TcpListener::bind(cfg.listen)
        .await
        .with_context(|| format!("cannot listen on {} (is another program using it? choose another with --listen or SIAR_LISTEN)", cfg.listen))?;
    tracing::info!("Siar is listening on http://{}", cfg.listen);
    let mut stop_http = stop.clone();
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        let _ = stop_http.wait_for(|v| *v).await;
    })
    .await
    .context("the web server stopped with an error")?;
    if let Some(w) = worker {
        let _ = tokio::time::timeout(Duration::from_secs(30), w).await;
    }
    app.store.close().await;
    Ok(())
}

fn new_password() -> (String, bool) {
    match env_var("SIAR_NEW_PASSWORD").filter(|p| !p.is_empty()) {
        Some(p) => (p, false),
        None => (siar_app::secrets::random_token()[..20].to_string(), true),
    }
}

/// An English sentence for a use-case error on the command line.
fn cli_error(e: AppError) -> anyhow::Error {
    match e {
        AppError::Invalid(p) => {
            let lines: Vec<String> =
                p.0.iter()
                    .map(|f| {
                        let args: Vec<(&str, String)> = f
                            .max
                            .map(|m| vec![("max", m.to_string())])
                            .unwrap_or_default();
                        format!(
                            "{}: {}",
                            f.field,
                            siar_web::i18n::t_args(siar_domain::org::Lang::En, f.key, &args)
                        )
                    })
                    .collect();
            anyhow::anyhow!("{}", lines.join("\n"))
        }
        AppError::NotFound => anyhow::anyhow!("not found"),
        other => anyhow::anyhow!("{other}"),
    }
}

async fn org_actor(app: &App, slug: &str) -> Result<Actor> {
    match siar_app::settings::by_slug(app, slug).await {
        Ok(o) => Ok(Actor::cli(o.id)),
        Err(AppError::NotFound) => bail!(
            "there is no organisation with slug `{slug}` (check --org; create one with `siar admin create-org`)"
        ),
        Err(e) => Err(cli_error(e)),
    }
}

async fn admin(app: &App, task: AdminTask) -> Result<()> {
    match task {
        AdminTask::CreateOrg { slug, name } => {
            let o = demo::create_org(app, &slug, &name)
                .await
                .map_err(cli_error)?;
            println!("Created organisation `{}` ({}).", o.slug, o.settings.name);
        }
        AdminTask::CreateUser {
            org,
            email,
            role,
            name,
        } => {
            let actor = org_actor(app, &org).await?;
            let role: Role = role.parse().map_err(|e| anyhow::anyhow!("--role: {e}"))?;
            let (password, generated) = new_password();
            let name = name.unwrap_or_else(|| email.split('@').next().unwrap_or("").to_string());
            let input = siar_domain::org::NewStaffInput {
                name,
                email,
                role: role.as_str().into(),
                password: password.clone(),
            };
            let s = siar_app::staff::create(app, &actor, &input)
                .await
                .map_err(cli_error)?;
            println!("Created {} ({}) in `{org}`.", s.email, s.role);
            if generated {
                println!("Initial password (shown once): {password}");
            }
        }
        AdminTask::ResetPassword { org, email } => {
            let actor = org_actor(app, &org).await?;
            let s = siar_app::staff::find_by_email(app, &actor, &email)
                .await
                .map_err(|e| match e {
                    AppError::NotFound => anyhow::anyhow!(
                        "no staff account `{email}` in `{org}` (check --email and --org)"
                    ),
                    e => cli_error(e),
                })?;
            let (password, generated) = new_password();
            siar_app::staff::set_password(app, &actor, s.id, &password)
                .await
                .map_err(cli_error)?;
            println!("Password set for {}; their sessions were ended.", s.email);
            if generated {
                println!("New password (shown once): {password}");
            }
        }
        AdminTask::ApiToken { org, role, label } => {
            let actor = org_actor(app, &org).await?;
            let role: Role = role.parse().map_err(|e| anyhow::anyhow!("--role: {e}"))?;
            let token = siar_app::tokens::create(app, &actor, role, &label)
                .await
                .map_err(cli_error)?;
            println!("{token}");
        }
    }
    Ok(())
}

async fn run(cli: Cli) -> Result<()> {
    let mut o = Overrides {
        data_dir: cli.data.clone(),
        ..Default::default()
    };
    match cli.command {
        Command::Demo { listen } => {
            o.listen = listen;
            let mut cfg = Config::load(&o, &env_var)?;
            if cfg.database_url.is_some() {
                tracing::info!("demo uses the embedded SQLite database; DATABASE_URL is ignored");
                cfg.database_url = None;
            }
            init_tracing(&cfg.log);
            let app = open_app(&cfg, true).await?;
            if demo::seed(&app).await.map_err(cli_error)? {
                tracing::info!("demo library `{}` created", demo::DEMO_SLUG);
            } else {
                tracing::info!(
                    "serving the existing demo data in {}",
                    cfg.data_dir.display()
                );
            }
            println!(
                "Siar demo: open http://{} (staff sign-in at /app/login, password siar-demo)",
                cfg.listen
            );
            serve(app, &cfg, true).await
        }
        Command::Serve {
            config,
            listen,
            no_worker,
        } => {
            o.config_file = config;
            o.listen = listen;
            let cfg = Config::load(&o, &env_var)?;
            init_tracing(&cfg.log);
            let app = open_app(&cfg, false).await?;
            serve(app, &cfg, !no_worker).await
        }
        Command::Worker { config } => {
            o.config_file = config;
            let cfg = Config::load(&o, &env_var)?;
            init_tracing(&cfg.log);
            let app = open_app(&cfg, false).await?;
            let stop = shutdown_signal();
            worker_for(&app).run(stop).await;
            app.store.close().await;
            Ok(())
        }
        Command::Migrate { config } => {
            o.config_file = config;
            let cfg = Config::load(&o, &env_var)?;
            init_tracing(&cfg.log);
            let app = open_app(&cfg, false).await?;
            println!(
                "Database is at migration version {}.",
                siar_store::migrate::current_version(&app.store).await?
            );
            Ok(())
        }
        Command::Admin { config, task } => {
            o.config_file = config;
            let cfg = Config::load(&o, &env_var)?;
            init_tracing("warn");
            let app = open_app(&cfg, false).await?;
            admin(&app, task).await
        }
        Command::PrintConfig { config } => {
            o.config_file = config;
            let cfg = Config::load(&o, &env_var)?;
            print!("{}", cfg.redacted());
            Ok(())
        }
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("siar: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
