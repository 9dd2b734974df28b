//! The patrons' portal through the HTTP router, without JavaScript: sign-in
//! with a code, set-up, a child's profile, a poll vote credited to the short
//! link that brought the visitor, My data, deletion; and the console's poll
//! pages.

use siar_domain::org::Role;
use siar_testkit::TestDb;
use siar_testkit::app::{Reply, TestApp};

async fn staff(t: &TestApp, role: Role) -> (String, String) {
    let email = siar_app::demo::DEMO_STAFF
        .iter()
        .find(|s| s.2 == role)
        .unwrap()
        .0;
    let b = t.sign_in(email, "siar-demo").await.unwrap();
    (b.cookie, b.csrf)
}

/// A visitor's browser: its cookies as they are set.
#[derive(Default)]
struct Visitor {
    cookies: Vec<(String, String)>,
}

impl Visitor {
    fn header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, r: &Reply) {
        for v in r.headers.get_all("set-cookie") {
            let v = v.to_str().unwrap();
            let kv = v.split(';').next().unwrap();
            let (k, val) = kv.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != k);
            if !val.is_empty() && !v.contains("Max-Age=0") {
                self.cookies.push((k.to_string(), val.to_string()));
            }
        }
    }

    async fn get(&mut self, t: &TestApp, path: &str) -> Reply {
        let c = self.header();
        let r = t.get(path, Some(&c)).await;
        self.keep(&r);
        r
    }

    async fn post(&mut self, t: &TestApp, path: &str, form: &[(&str, &str)]) -> Reply {
        let c = self.header();
        let r = t.post_form(path, Some(&c), form).await;
        self.keep(&r);
        r
    }
}

#[tokio::test]
async fn a_family_signs_in_votes_and_deletes_its_data() {
    let t = TestApp::new(TestDb::sqlite().await, true).await;
    let (admin, admin_csrf) = staff(&t, Role::Admin).await;
    // Staff make a poll open to signed-in patrons.
    let r = t
        .post_form(
            "/app/jajak",
            Some(&admin),
            &[
                ("_csrf", &admin_csrf),
                ("question", "Buku apa yang ingin kamu baca bulan depan?"),
                ("options", "Komik sains\nDongeng Nusantara"),
                ("results", "after_vote"),
                ("slug", "buku-bulan-depan"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let poll_page = r.location().unwrap().to_string();
    let r = t.get(&poll_page, Some(&admin)).await;
    assert!(r.body.contains("/l/"), "the short link to share");
    let start = r.body.find("/l/").unwrap() + 3;
    let code: String = r.body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();

    // A parent follows the link from a post, and lands on the poll.
    let mut v = Visitor::default();
    let r = v.get(&t, &format!("/l/{code}")).await;
    assert_eq!(r.status, 302);
    assert!(v.header().contains("siar_src="), "the source is remembered");
    let r = v.get(&t, "/jajak/buku-bulan-depan").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("silakan masuk dulu"));
    // Sign in: a bad address first, then the code.
    let r = v.get(&t, "/masuk?next=/jajak/buku-bulan-depan").await;
    let csrf = r.csrf().unwrap();
    let r = v
        .post(
            &t,
            "/masuk",
            &[
                ("_csrf", &csrf),
                ("email", "bukan-email"),
                ("next", "/jajak/buku-bulan-depan"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("bukan-email"), "what was typed stays");
    let r = v
        .post(
            &t,
            "/masuk",
            &[
                ("_csrf", &csrf),
                ("email", "ibu.ani@mail.example"),
                ("next", "/jajak/buku-bulan-depan"),
            ],
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("ibu.ani@mail.example"));
    // No e-mail server here: staff read the code out.
    let codes = t.get("/app/patron/kode", Some(&admin)).await;
    assert_eq!(codes.status, 200);
    let i = codes.body.find("class=\"code\">").unwrap() + 13;
    let sign_code = codes.body[i..i + 6].to_string();
    let r = v
        .post(
            &t,
            "/masuk/kode",
            &[
                ("_csrf", &csrf),
                ("email", "ibu.ani@mail.example"),
                ("code", "000000x"),
                ("next", "/jajak/buku-bulan-depan"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    let r = v
        .post(
            &t,
            "/masuk/kode",
            &[
                ("_csrf", &csrf),
                ("email", "ibu.ani@mail.example"),
                ("code", &sign_code),
                ("next", "/jajak/buku-bulan-depan"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(r.location().unwrap().starts_with("/akun/mulai"));
    assert!(v.header().contains("siar_patron="));
    // Set-up without consent is refused and keeps the nickname typed.
    let r = v
        .post(
            &t,
            "/akun/mulai",
            &[
                ("_csrf", &csrf),
                ("nickname", "Bunda Ani"),
                ("next", "/jajak/buku-bulan-depan"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Bunda Ani"));
    let r = v
        .post(
            &t,
            "/akun/mulai",
            &[
                ("_csrf", &csrf),
                ("nickname", "Bunda Ani"),
                ("consent", "1"),
                ("next", "/jajak/buku-bulan-depan"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.location(), Some("/jajak/buku-bulan-depan"));
    // A child's profile, then vote as the child.
    let r = v
        .post(
            &t,
            "/akun/anak",
            &[
                ("_csrf", &csrf),
                ("nickname", "Adik Rafi"),
                ("birth_year", "2017"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "no consent, no child");
    assert!(r.body.contains("izin orang tua"));
    let r = v
        .post(
            &t,
            "/akun/anak",
            &[
                ("_csrf", &csrf),
                ("nickname", "Adik Rafi"),
                ("first_name", "Rafi"),
                ("birth_year", "2017"),
                ("guardian_consent", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = v.get(&t, "/akun").await;
    assert!(r.body.contains("Adik Rafi"));
    let i = r.body.find("name=\"profile\" value=\"").unwrap() + 22;
    let kid: String = r.body[i..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let r = v
        .post(&t, "/akun/profil", &[("_csrf", &csrf), ("profile", &kid)])
        .await;
    assert_eq!(r.status, 303);
    let r = v.get(&t, "/jajak/buku-bulan-depan").await;
    assert!(
        r.body.contains("Adik Rafi"),
        "the header shows the active profile"
    );
    let i = r.body.find("name=\"choice\" value=\"").unwrap() + 21;
    let option: String = r.body[i..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let r = v
        .post(&t, "/jajak/buku-bulan-depan", &[("_csrf", &csrf)])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Pilih salah satu jawaban"));
    let r = v
        .post(
            &t,
            "/jajak/buku-bulan-depan",
            &[("_csrf", &csrf), ("choice", &option)],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = v.get(&t, "/jajak/buku-bulan-depan").await;
    assert!(r.body.contains("100%"), "results after voting: {}", r.body);
    let r = v
        .post(
            &t,
            "/jajak/buku-bulan-depan",
            &[("_csrf", &csrf), ("choice", &option)],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("sudah memberikan suara"));
    // Staff see the vote credited to the link.
    let r = t.get(&poll_page, Some(&admin)).await;
    assert!(r.body.contains("1 orang memberi suara"), "{}", r.body);
    assert!(
        !r.body
            .contains("Belum ada suara yang datang lewat tautan pendek")
    );
    let r = t.get(&format!("{poll_page}/hasil.csv"), Some(&admin)).await;
    assert!(r.body.contains("Komik sains,1,100"), "{}", r.body);
    // My data: the page, JSON and CSV.
    let r = v.get(&t, "/akun/data").await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Izin orang tua/wali"));
    assert!(r.body.contains("Komik sains"));
    let r = v.get(&t, "/akun/data.json").await;
    let j: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(j["account"]["email"], "ibu.ani@mail.example");
    let r = v.get(&t, "/akun/data.csv").await;
    assert!(r.body.starts_with("section,profile,item,value,time"));
    // Deleting needs the box ticked; then the session is gone.
    let r = v.post(&t, "/akun/hapus", &[("_csrf", &csrf)]).await;
    assert_eq!(r.status, 422);
    let r = v
        .post(&t, "/akun/hapus", &[("_csrf", &csrf), ("confirm", "1")])
        .await;
    assert_eq!(r.status, 303);
    assert!(!v.header().contains("siar_patron="));
    let r = v.get(&t, "/akun").await;
    assert_eq!(r.status, 303);
    assert!(r.location().unwrap().starts_with("/masuk"));
}

#[tokio::test]
async fn portal_forms_need_their_token_and_polls_need_staff_rights() {
    let t = TestApp::new(TestDb::sqlite().await, true).await;
    let r = t
        .post_form("/masuk", None, &[("email", "a@mail.example")])
        .await;
    assert_eq!(r.status, 403);
    // Contributors read polls but may not make them; analysts cannot read codes.
    let (contrib, csrf) = staff(&t, Role::Contributor).await;
    let r = t.get("/app/jajak", Some(&contrib)).await;
    assert_eq!(r.status, 200);
    assert!(!r.body.contains("action=\"/app/jajak\""));
    let r = t
        .post_form(
            "/app/jajak",
            Some(&contrib),
            &[
                ("_csrf", &csrf),
                ("question", "Q?"),
                ("options", "a\nb"),
                ("results", "after_vote"),
            ],
        )
        .await;
    assert_eq!(r.status, 403);
    let (analyst, _) = staff(&t, Role::Analyst).await;
    assert_eq!(t.get("/app/patron/kode", Some(&analyst)).await.status, 403);
    // A refused poll keeps what was typed and names the problem.
    let (editor, csrf) = staff(&t, Role::Editor).await;
    let r = t
        .post_form(
            "/app/jajak",
            Some(&editor),
            &[
                ("_csrf", &csrf),
                ("question", "Hari favorit?"),
                ("options", "Sabtu"),
                ("results", "after_vote"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Hari favorit?"));
    assert!(r.body.contains("paling sedikit 2 pilihan"));
    // The demo's open poll is on the home page and takes anonymous votes.
    let home = t.get("/", None).await;
    assert!(
        home.body.contains("/jajak/buku-minggu-buku"),
        "{}",
        home.body
    );
    let r = t.get("/jajak/buku-minggu-buku", None).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("name=\"choice\""));
    // The closed one shows its results to everyone.
    let r = t.get("/jajak/waktu-berkunjung", None).await;
    assert!(r.body.contains("2 orang memberi suara"), "{}", r.body);
    // Unknown polls are a plain 404.
    assert_eq!(t.get("/jajak/tidak-ada", None).await.status, 404);
}
