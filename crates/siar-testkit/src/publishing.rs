//! A publishing test bench: an app over a test store with every connector
//! pointed at the fake platforms, staff actors, a media folder and workers.

use crate::ManualClock;
use crate::fakes::{self, Fake};
use siar_app::channels::{ChannelKit, PlatformSettings};
use siar_app::jobs::{Worker, WorkerConfig};
use siar_app::secrets::Keyring;
use siar_app::{Actor, App, AppConfig, Store};
use siar_channels::PlatformApp;
use siar_channels::http::HttpConfig;
use siar_channels::mastodon::Mastodon;
use siar_domain::channels::Platform;
use siar_domain::org::Role;
use std::sync::Arc;
use std::time::Duration;

pub struct Bench {
    pub app: App,
    pub clock: ManualClock,
    pub admin: Actor,
    pub editor: Actor,
    pub contributor: Actor,
    pub analyst: Actor,
    pub mastodon: Fake,
    pub bluesky: Fake,
    pub x: Fake,
    pub meta: Fake,
    pub google: Fake,
    pub files: tempfile::TempDir,
}

/// Settings that point X at its fake; short HTTP timeout so a hanging fake
/// times out quickly.
pub fn platform_settings(x: &Fake, meta: &Fake, google: &Fake) -> PlatformSettings {
    PlatformSettings {
        facebook: PlatformApp {
            api_base: meta.url.clone(),
            auth_url: format!("{}/dialog/oauth", meta.url),
            token_url: format!("{}/oauth/access_token", meta.url),
            client_id: fakes::META_APP_ID.into(),
            client_secret: fakes::META_APP_SECRET.into(),
            redirect_url: String::new(),
        },
        facebook_video_base: meta.url.clone(),
        youtube: PlatformApp {
            api_base: google.url.clone(),
            auth_url: format!("{}/o/oauth2/v2/auth", google.url),
            token_url: format!("{}/token", google.url),
            client_id: fakes::GOOGLE_CLIENT_ID.into(),
            client_secret: fakes::GOOGLE_CLIENT_SECRET.into(),
            redirect_url: String::new(),
        },
        youtube_upload_base: google.url.clone(),
        youtube_analytics_base: google.url.clone(),
        youtube_privacy: "public".into(),
        x: PlatformApp {
            api_base: x.url.clone(),
            auth_url: format!("{}/i/oauth2/authorize", x.url),
            token_url: format!("{}/2/oauth2/token", x.url),
            client_id: fakes::X_CLIENT_ID.into(),
            client_secret: fakes::X_CLIENT_SECRET.into(),
            redirect_url: String::new(),
        },
        http: HttpConfig {
            connect_timeout: Duration::from_secs(2),
            timeout: Duration::from_secs(2),
            user_agent: "Siar-test".into(),
        },
        refresh_ahead: Duration::from_secs(30 * 60),
        x_consumer_secret: fakes::X_CONSUMER_SECRET.into(),
        ..PlatformSettings::default()
    }
}

impl Bench {
    pub async fn new(store: Store) -> Self {
        let (mastodon, bluesky, x) = (
            fakes::mastodon().await,
            fakes::bluesky().await,
            fakes::x().await,
        );
        let (meta, google) = (fakes::meta().await, fakes::google().await);
        let clock = ManualClock::new();
        // The fakes stamp posts by the test's clock.
        for f in [&mastodon, &bluesky, &x, &meta, &google] {
            *f.state.clock.lock().expect("lock") = Some(Arc::new(clock.clone()));
        }
        let files = tempfile::tempdir().expect("tempdir");
        let settings = platform_settings(&x, &meta, &google);
        let config = AppConfig {
            demo_mode: true,
            media_dir: files.path().join("media"),
            public_url: "http://127.0.0.1:9".into(),
            platforms: settings.clone(),
            translate: Some(siar_web::i18n::t_args),
            ..AppConfig::default()
        };
        let mut kit = ChannelKit::new(settings).expect("kit");
        kit.set_connector(
            Platform::Mastodon,
            Arc::new(Mastodon {
                media_poll: Duration::from_millis(10),
                media_polls: 5,
            }),
        );
        let mut xc = siar_channels::x::X::new(settings_x(&x));
        xc.media_poll = Duration::from_millis(10);
        kit.set_connector(Platform::X, Arc::new(xc));
        let mut m = siar_channels::meta::Meta::new(
            platform_settings(&x, &meta, &google).facebook,
            meta.url.clone(),
        );
        m.container_poll = Duration::from_millis(10);
        kit.set_connector(
            Platform::Facebook,
            Arc::new(siar_channels::meta::FacebookPage(m.clone())),
        );
        kit.set_connector(
            Platform::Instagram,
            Arc::new(siar_channels::meta::Instagram(m)),
        );
        kit.set_connector(
            Platform::Bluesky,
            Arc::new(siar_channels::bluesky::Bluesky {
                allow_private_links: true,
            }),
        );
        let mut yt = siar_channels::youtube::YouTube::new(
            platform_settings(&x, &meta, &google).youtube,
            google.url.clone(),
        );
        yt.chunk = 4096;
        yt.analytics_base = google.url.clone();
        kit.set_connector(Platform::YouTube, Arc::new(yt));
        let app = App::new(
            store,
            Arc::new(clock.clone()),
            Keyring::from_keys([7; 32], &[]),
            config,
        )
        .with_channels(kit);
        siar_app::demo::seed_library(&app, false)
            .await
            .expect("seed");
        let actor = |role: Role| {
            let app = app.clone();
            async move {
                let email = siar_app::demo::DEMO_STAFF
                    .iter()
                    .find(|s| s.2 == role)
                    .map(|s| s.0)
                    .expect("demo role");
                let mut tx = app.store.read().await.expect("tx");
                let org = siar_store::org::org_by_slug(&mut tx, siar_app::demo::DEMO_SLUG)
                    .await
                    .expect("org")
                    .expect("demo org");
                let u = siar_store::org::user_by_email(&mut tx, org.id, email)
                    .await
                    .expect("user")
                    .expect("demo user");
                tx.commit().await.expect("commit");
                Actor {
                    org: org.id,
                    user: Some(u.id),
                    label: email.into(),
                    role,
                    ip: None,
                }
            }
        };
        let admin = actor(Role::Admin).await;
        let editor = actor(Role::Editor).await;
        let analyst = actor(Role::Analyst).await;
        let contributor = actor(Role::Contributor).await;
        Self {
            app,
            clock,
            admin,
            editor,
            contributor,
            analyst,
            mastodon,
            bluesky,
            x,
            meta,
            google,
            files,
        }
    }

    /// Connects a channel through the platform's OAuth flow against its fake
    /// (the browser's redirect followed by hand); returns the channel id.
    pub async fn oauth(&self, platform: Platform) -> i64 {
        let url =
            siar_app::channels::start_oauth(&self.app, &self.admin, platform, &self.mastodon.url)
                .await
                .expect("start oauth");
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let r = client.get(&url).send().await.expect("authorise");
        let loc = r.headers()["location"]
            .to_str()
            .expect("location")
            .to_string();
        let q: std::collections::HashMap<String, String> = url::Url::parse(&loc)
            .expect("callback url")
            .query_pairs()
            .into_owned()
            .collect();
        match siar_app::channels::finish_oauth(&self.app, &self.admin, &q["state"], &q["code"])
            .await
            .expect("finish oauth")
        {
            siar_app::channels::Connected::Channel(id) => id,
            other => panic!("expected a channel, got {other:?}"),
        }
    }

    pub fn worker(&self, name: &str) -> Worker {
        Worker::new(
            self.app.clone(),
            name,
            WorkerConfig {
                lease: Duration::from_secs(60),
                poll: Duration::from_millis(50),
                grace: Duration::from_millis(200),
                ..WorkerConfig::default()
            },
        )
    }
}

fn settings_x(x: &Fake) -> PlatformApp {
    PlatformApp {
        api_base: x.url.clone(),
        auth_url: format!("{}/i/oauth2/authorize", x.url),
        token_url: format!("{}/2/oauth2/token", x.url),
        client_id: fakes::X_CLIENT_ID.into(),
        client_secret: fakes::X_CLIENT_SECRET.into(),
        redirect_url: String::new(),
    }
}
