//! Rewards through the HTTP router, without JavaScript: a demo patron takes a
//! reward for points, sees the voucher with its QR code; staff redeem it at
//! the desk once; refusals say why and change nothing.

use siar_domain::org::Role;
use siar_testkit::TestDb;
use siar_testkit::app::TestApp;

async fn staff(t: &TestApp, role: Role) -> (String, String) {
    let email = siar_app::demo::DEMO_STAFF
        .iter()
        .find(|s| s.2 == role)
        .unwrap()
        .0;
    let b = t.sign_in(email, "siar-demo").await.unwrap();
    (b.cookie, b.csrf)
}

async fn patron(t: &TestApp, email: &str) -> (String, String) {
    let (jar, csrf, to) = t.patron_sign_in(email, "/hadiah").await;
    assert_eq!(to, "/hadiah", "a demo patron is set up already");
    (jar, csrf)
}

fn reward_id(body: &str, name: &str) -> String {
    let at = body.find(name).unwrap();
    let rest = &body[at..];
    let i = rest.find("action=\"/hadiah/").unwrap() + 16;
    rest[i..].chars().take_while(char::is_ascii_digit).collect()
}

#[tokio::test]
async fn a_patron_takes_a_reward_and_the_desk_redeems_it_once() {
    let t = TestApp::new(TestDb::sqlite().await, true).await;
    let (jar, csrf) = patron(&t, "keluarga.ani@contoh.example").await;
    let r = t.get("/hadiah", Some(&jar)).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("80 poin"), "{}", r.body);
    let dear = reward_id(&r.body, "Prioritas pinjam buku baru");
    let fine = reward_id(&r.body, "Bebas denda sekali");
    // Too few points: told so, nothing moves.
    let r = t
        .post_form(
            &format!("/hadiah/{dear}/tukar"),
            Some(&jar),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Poin Anda belum cukup"));
    assert!(r.body.contains("80 poin"));
    // Enough: a voucher with its code and QR code.
    let r = t
        .post_form(
            &format!("/hadiah/{fine}/tukar"),
            Some(&jar),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = r.location().unwrap().to_string();
    assert!(page.starts_with("/voucher/"));
    let code = page.trim_start_matches("/voucher/").to_string();
    let r = t.get(&page, Some(&jar)).await;
    assert!(r.body.contains(&code));
    assert!(r.body.contains("qr.svg"));
    let qr = t.get(&format!("{page}/qr.svg"), Some(&jar)).await;
    assert_eq!(qr.status, 200);
    assert!(qr.body.contains("<svg"));
    // Nobody else sees it.
    assert_eq!(t.get(&page, None).await.status, 303);
    assert_eq!(t.get(&format!("{page}/qr.svg"), None).await.status, 404);
    let r = t.get("/akun/poin", Some(&jar)).await;
    assert!(r.body.contains("30 poin"), "{}", r.body);
    assert!(r.body.contains("-50"));
    assert!(r.body.contains("siap dipakai"));
    // The desk: an analyst may not; a moderator checks and redeems once.
    let (analyst, _) = staff(&t, Role::Analyst).await;
    assert_eq!(t.get("/app/hadiah/tukar", Some(&analyst)).await.status, 403);
    let (desk, desk_csrf) = staff(&t, Role::Moderator).await;
    let typed = code.to_lowercase().replace('-', "");
    let r = t
        .get(&format!("/app/hadiah/tukar?kode={typed}"), Some(&desk))
        .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Bebas denda sekali"));
    assert!(r.body.contains("Tukarkan sekarang"));
    let r = t
        .post_form(
            "/app/hadiah/tukar",
            Some(&desk),
            &[("_csrf", &desk_csrf), ("code", &code)],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Voucher berhasil ditukarkan"));
    let r = t
        .post_form(
            "/app/hadiah/tukar",
            Some(&desk),
            &[("_csrf", &desk_csrf), ("code", &code)],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("sudah dipakai sebelumnya"));
    let r = t.get("/app/hadiah/tukar?kode=ACDE-FGHJ", Some(&desk)).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("tidak ditemukan"));
    let r = t.get(&page, Some(&jar)).await;
    assert!(r.body.contains("Sudah dipakai"));
    // Moderators redeem but do not keep the catalogue.
    let r = t.get("/app/hadiah", Some(&desk)).await;
    assert_eq!(r.status, 200);
    assert!(!r.body.contains("action=\"/app/poin\""));
    // Editors give points; an unknown nickname is explained, the form kept.
    let (editor, ed_csrf) = staff(&t, Role::Editor).await;
    let r = t
        .post_form(
            "/app/poin",
            Some(&editor),
            &[
                ("_csrf", &ed_csrf),
                ("nickname", "Tidak Ada"),
                ("points", "10"),
                ("reason", "Komentator aktif"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Komentator aktif"));
    assert!(
        r.body
            .contains("Tidak ada pemustaka dengan nama panggilan ini")
    );
    let r = t
        .post_form(
            "/app/poin",
            Some(&editor),
            &[
                ("_csrf", &ed_csrf),
                ("nickname", "bunda literasi"),
                ("points", "10"),
                ("reason", "Komentator aktif"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = t.get("/akun/poin", Some(&jar)).await;
    assert!(r.body.contains("40 poin"));
    assert!(r.body.contains("Komentator aktif"));
}
