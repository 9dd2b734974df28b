//! What every page template receives: language, who is signed in, navigation,
//! the CSRF token and a flash message.

use crate::i18n;
use siar_app::auth::Session;
use siar_domain::org::{Lang, Permission};
use siar_domain::validate::Problems;

pub struct NavItem {
    pub href: &'static str,
    pub key: &'static str,
    pub active: bool,
}

/// A one-time message shown after a redirect (its i18n key and kind).
#[derive(Debug, Clone)]
pub struct Flash {
    pub key: String,
    pub ok: bool,
}

pub struct PageCtx {
    pub lang: Lang,
    pub title: String,
    pub org_name: String,
    pub logo_url: Option<String>,
    pub staff_name: Option<String>,
    pub staff_role_key: Option<&'static str>,
    pub csrf: String,
    pub nav: Vec<NavItem>,
    pub flash: Option<Flash>,
    pub problems: Problems,
    pub request_id: String,
    pub path: String,
    /// Unread console notifications.
    pub unread: i64,
    /// Inbox conversations not read yet.
    pub inbox_unread: i64,
    /// `<meta>` tags: (attribute, name, content), e.g. Open Graph.
    pub meta: Vec<(&'static str, String, String)>,
    /// Alternate links (feeds): (type, title, href).
    pub alternates: Vec<(&'static str, String, String)>,
    /// On portal pages: the signed-in patron's active nickname.
    pub patron: Option<String>,
}

/// The console's areas, in menu order, with the permission each needs.
pub const NAV: [(&str, &str, Permission); 23] = [
    ("/app", "nav-home", Permission::ViewConsole),
    ("/app/kotak-masuk", "nav-inbox", Permission::Inbox),
    ("/app/tulis", "nav-compose", Permission::Draft),
    ("/app/tinjauan", "nav-review", Permission::ViewPosts),
    ("/app/kalender", "nav-calendar", Permission::ViewPosts),
    ("/app/posts", "nav-posts", Permission::ViewPosts),
    ("/app/kampanye", "nav-campaigns", Permission::ViewPosts),
    ("/app/analitik", "nav-analytics", Permission::ViewReports),
    ("/app/tantangan", "nav-challenges", Permission::ViewReports),
    ("/app/jajak", "nav-polls", Permission::ViewReports),
    ("/app/kuis", "nav-quizzes", Permission::ViewReports),
    ("/app/survei", "nav-surveys", Permission::ViewReports),
    ("/app/hadiah", "nav-rewards", Permission::RedeemVouchers),
    ("/app/templat", "nav-templates", Permission::ViewPosts),
    ("/app/artikel", "nav-articles", Permission::ViewPosts),
    ("/app/channels", "nav-channels", Permission::ViewPosts),
    ("/app/links", "nav-links", Permission::ViewPosts),
    ("/app/hari-penting", "nav-days", Permission::ViewPosts),
    ("/app/staff", "nav-staff", Permission::ManageStaff),
    ("/app/settings", "nav-settings", Permission::ManageSettings),
    ("/app/audit", "nav-audit", Permission::ViewAudit),
    ("/app/jobs", "nav-jobs", Permission::ManageJobs),
    ("/app/notifikasi", "nav-notes", Permission::ViewConsole),
];

pub fn logo_url(slug: &str, org: &siar_domain::org::Organisation) -> Option<String> {
    org.logo_type
        .as_ref()
        .map(|_| format!("/media/{slug}/logo?v={}", org.logo_version))
}

impl PageCtx {
    /// For a signed-in staff page: navigation filtered by the person's role.
    pub fn staff(
        s: &Session,
        title_key: &str,
        path: &str,
        flash: Option<Flash>,
        request_id: String,
    ) -> Self {
        let lang = s.lang();
        let nav = NAV
            .iter()
            .filter(|(_, _, p)| s.staff.role.can(*p))
            .map(|(href, key, _)| NavItem {
                href,
                key,
                active: if *href == "/app" {
                    path == "/app"
                } else {
                    path.starts_with(href)
                },
            })
            .collect();
        Self {
            lang,
            title: i18n::t(lang, title_key),
            org_name: s.org.settings.name.clone(),
            logo_url: logo_url(&s.org.slug, &s.org),
            staff_name: Some(s.staff.name.clone()),
            staff_role_key: Some(s.staff.role.label_key()),
            csrf: s.csrf_token.clone(),
            nav,
            flash,
            problems: Problems::default(),
            request_id,
            path: path.to_string(),
            unread: s.unread,
            inbox_unread: s.inbox_unread,
            meta: Vec::new(),
            alternates: Vec::new(),
            patron: None,
        }
    }

    /// For a page without a signed-in person (portal, sign-in, errors).
    pub fn public(
        lang: Lang,
        title_key: &str,
        org_name: String,
        csrf: String,
        request_id: String,
    ) -> Self {
        Self {
            lang,
            title: i18n::t(lang, title_key),
            org_name,
            logo_url: None,
            staff_name: None,
            staff_role_key: None,
            csrf,
            nav: Vec::new(),
            flash: None,
            problems: Problems::default(),
            request_id,
            path: String::new(),
            unread: 0,
            inbox_unread: 0,
            meta: Vec::new(),
            alternates: Vec::new(),
            patron: None,
        }
    }

    pub fn t(&self, key: &str) -> String {
        i18n::t(self.lang, key)
    }

    pub fn t1(&self, key: &str, name: &str, value: impl ToString) -> String {
        i18n::t_args(self.lang, key, &[(name, value.to_string())])
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    /// The translated problem with `field`, if any.
    pub fn error_for(&self, field: &str) -> Option<String> {
        self.problems.for_field(field).map(|e| match e.max {
            Some(max) => i18n::t_args(self.lang, e.key, &[("max", max.to_string())]),
            None => i18n::t(self.lang, e.key),
        })
    }

    pub fn has_errors(&self) -> bool {
        !self.problems.is_empty()
    }

    /// `aria-invalid` value for a field.
    pub fn invalid(&self, field: &str) -> &'static str {
        if self.problems.for_field(field).is_some() {
            "true"
        } else {
            "false"
        }
    }
}
