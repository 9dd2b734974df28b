//! Analitik through the HTTP router: every page renders the demo's numbers
//! without JavaScript, charts are accessible SVG with a table beside them, a
//! bad range is explained and changes nothing, CSV leaves missing numbers
//! empty.

use siar_domain::org::Role;
use siar_testkit::TestDb;
use siar_testkit::app::TestApp;

async fn signed_in(t: &TestApp, role: Role) -> String {
    let email = siar_app::demo::DEMO_STAFF
        .iter()
        .find(|s| s.2 == role)
        .unwrap()
        .0;
    t.sign_in(email, "siar-demo").await.unwrap().cookie
}

#[tokio::test]
async fn analytics_pages_show_the_demo_numbers() {
    let t = TestApp::new(TestDb::sqlite().await, true).await;
    let c = signed_in(&t, Role::Analyst).await;
    let r = t.get("/app/analitik", Some(&c)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Tingkat interaksi"));
    assert!(r.body.contains("role=\"img\""), "an accessible chart");
    assert!(r.body.contains("<title>Interaksi per hari</title>"));
    assert!(r.body.contains("Perpustakaan Kota Palembang"));
    let r = t.get("/app/analitik?hari=90", Some(&c)).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("90 hari terakhir"));
    let r = t.get("/app/analitik/konten?hari=90", Some(&c)).await;
    assert_eq!(r.status, 200);
    assert!(
        r.body.contains("Video edukasi") || r.body.contains("Video Edukasi"),
        "categories listed"
    );
    assert!(r.body.contains("#PalembangBaca"));
    assert!(r.body.contains("Terbaik"));
    let r = t.get("/app/analitik/waktu", Some(&c)).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("class=\"heat l"), "shaded cells");
    // The queue page suggests the best slots found here.
    let q = t.get("/app/antrean", Some(&c)).await;
    assert!(q.body.contains("Saran dari analitik"), "{}", q.body);
    let r = t.get("/app/analitik/audiens", Some(&c)).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("25-34"));
    assert!(r.body.contains("orang tua"), "a plain-language hint");
    // A reversed range: a clear message, the default period shown.
    let r = t
        .get("/app/analitik?dari=2026-11-20&sampai=2026-11-01", Some(&c))
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Tanggal awal jatuh setelah tanggal akhir"));
    let r = t.get("/app/analitik?dari=2026-11-20", Some(&c)).await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("Isi kedua tanggal"));
    // CSV of every table.
    for table in ["kanal", "kategori", "tagar", "kampanye", "pos", "waktu"] {
        let r = t
            .get(&format!("/app/analitik/{table}.csv?hari=90"), Some(&c))
            .await;
        assert_eq!(r.status, 200, "{table}");
        assert!(
            r.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        assert!(r.body.lines().count() >= 2, "{table}: {}", r.body);
    }
    let r = t.get("/app/analitik/tidak-ada.csv", Some(&c)).await;
    assert_eq!(r.status, 404);
    // One post's page, from the content list.
    let r = t.get("/app/analitik/konten?hari=90", Some(&c)).await;
    let href = r
        .body
        .split("href=\"/app/analitik/pos/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let r = t.get(&format!("/app/analitik/pos/{href}"), Some(&c)).await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Setiap pembacaan") || r.body.contains("Jangkauan"));
    t.cleanup().await;
}

#[tokio::test]
async fn the_monthly_report_page_makes_and_serves_pdfs() {
    let t = TestApp::new(TestDb::sqlite().await, true).await;
    let c = signed_in(&t, Role::Analyst).await;
    let r = t.get("/app/analitik/laporan", Some(&c)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Belum ada laporan"));
    let csrf = r.csrf().unwrap();
    // A month that is not in the list: explained, nothing made.
    let bad = t
        .post_form(
            "/app/analitik/laporan",
            Some(&c),
            &[("_csrf", &csrf), ("bulan", "kemarin")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("Pilih bulan dari daftar"));
    let month = r
        .body
        .split("<option value=\"")
        .nth(2)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let made = t
        .post_form(
            "/app/analitik/laporan",
            Some(&c),
            &[("_csrf", &csrf), ("bulan", &month)],
        )
        .await;
    assert_eq!(made.status, 303);
    let r = t.get("/app/analitik/laporan", Some(&c)).await;
    let href = r
        .body
        .split("href=\"/app/analitik/laporan/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let pdf = t
        .get(&format!("/app/analitik/laporan/{href}"), Some(&c))
        .await;
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    assert!(
        pdf.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("laporan-{month}.pdf"))
    );
    // Recipients are an admin's setting; a bad address keeps what was typed.
    let denied = t
        .post_form(
            "/app/analitik/laporan/penerima",
            Some(&c),
            &[("_csrf", &csrf), ("recipients", "a@b.example")],
        )
        .await;
    assert_eq!(denied.status, 403);
    let admin = signed_in(&t, Role::Admin).await;
    let page = t.get("/app/analitik/laporan", Some(&admin)).await;
    let csrf = page.csrf().unwrap();
    let bad = t
        .post_form(
            "/app/analitik/laporan/penerima",
            Some(&admin),
            &[
                ("_csrf", &csrf),
                ("recipients", "kepala@perpustakaan.example, salah"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("kepala@perpustakaan.example, salah"));
    assert!(bad.body.contains("tidak valid"));
    t.cleanup().await;
}
