//! The demo's reading challenge through the HTTP router, without JavaScript:
//! a guardian switches to the child's profile, logs books (a bad ISBN is
//! explained and keeps what was typed), finishes the challenge, downloads the
//! certificate; its public verification page works; staff see the readers.

use siar_testkit::TestDb;
use siar_testkit::app::TestApp;

fn after<'a>(body: &'a str, marker: &str) -> &'a str {
    let i = body.find(marker).expect(marker) + marker.len();
    &body[i..]
}

#[tokio::test]
async fn a_child_finishes_the_demo_challenge_and_gets_a_verified_certificate() {
    let t = TestApp::new(TestDb::sqlite().await, true).await;
    let r = t.get("/tantangan", None).await;
    assert!(r.body.contains("/tantangan/liburan-akhir-tahun"));
    let page = "/tantangan/liburan-akhir-tahun";
    let (jar, csrf, _) = t.patron_sign_in("keluarga.ani@contoh.example", page).await;
    // The guardian's own profile is outside the age group.
    let r = t.get(page, Some(&jar)).await;
    assert!(r.body.contains("kelompok usia lain"), "{}", r.body);
    let acc = t.get("/akun", Some(&jar)).await;
    let kid: String = after(&acc.body, "name=\"profile\" value=\"")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let r = t
        .post_form(
            "/akun/profil",
            Some(&jar),
            &[("_csrf", &csrf), ("profile", &kid)],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = t.get(page, Some(&jar)).await;
    assert!(r.body.contains("2 / 3"), "{}", r.body);
    assert!(
        r.body.contains("Papan peringkat"),
        "the demo child agreed to be shown"
    );
    assert!(r.body.contains("Legenda Pulau Kemaro"));
    assert!(r.body.contains("badge-item earned"));
    let log = format!("{page}/catat");
    let r = t
        .post_form(
            &log,
            Some(&jar),
            &[
                ("_csrf", &csrf),
                ("title", "Laskar Pelangi"),
                ("isbn", "978-602-03-3295-7"),
                ("read_on", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.body.contains("ISBN ini tidak valid"));
    assert!(r.body.contains("Laskar Pelangi"), "what was typed stays");
    for title in ["Laskar Pelangi"] {
        let today = after(
            &t.get(page, Some(&jar)).await.body,
            "name=\"read_on\" value=\"",
        )
        .chars()
        .take(10)
        .collect::<String>();
        let r = t
            .post_form(
                &log,
                Some(&jar),
                &[("_csrf", &csrf), ("title", title), ("read_on", &today)],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
    }
    let r = t.get(page, Some(&jar)).await;
    assert!(r.body.contains("3 / 3"));
    assert!(r.body.contains("Tantangan selesai") || r.body.contains("tantangan selesai"));
    let code: String = after(&r.body, "href=\"/sertifikat/")
        .chars()
        .take(9)
        .collect();
    let pdf = t.get(&format!("/sertifikat/{code}"), Some(&jar)).await;
    assert_eq!(pdf.status, 200);
    assert!(pdf.body.starts_with("%PDF"));
    assert_eq!(
        t.get(&format!("/sertifikat/{code}"), None).await.status,
        303
    );
    let v = t.get(&format!("/verifikasi/{code}"), None).await;
    assert_eq!(v.status, 200);
    assert!(v.body.contains("Sertifikat asli"));
    assert!(v.body.contains("Rafi Kecil"));
    assert!(v.body.contains("Tantangan Membaca Liburan Akhir Tahun"));
    let v = t.get("/verifikasi/ACDE-FGHJ", None).await;
    assert_eq!(v.status, 404);
    assert!(v.body.contains("tidak ditemukan"));
    // The poster's secret code: once.
    let r = t
        .post_form(
            "/kode-rahasia",
            Some(&jar),
            &[("_csrf", &csrf), ("secret", "ampera"), ("back", page)],
        )
        .await;
    assert_eq!(r.status, 303);
    assert!(r.set_cookie("siar_flash").unwrap().starts_with("ok:"));
    let r = t
        .post_form(
            "/kode-rahasia",
            Some(&jar),
            &[("_csrf", &csrf), ("secret", "AMPERA"), ("back", page)],
        )
        .await;
    assert!(
        r.set_cookie("siar_flash")
            .unwrap()
            .contains("ch-err-secret-used")
    );
    // Staff see the reader by nickname, and the empty review queue.
    let staff = t
        .sign_in("editor@perpustakaan.example", "siar-demo")
        .await
        .unwrap()
        .cookie;
    let r = t.get("/app/tantangan", Some(&staff)).await;
    assert!(r.body.contains("Tantangan Membaca Liburan Akhir Tahun"));
    let id: String = after(&r.body, "<td><a href=\"/app/tantangan/")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let r = t.get(&format!("/app/tantangan/{id}"), Some(&staff)).await;
    assert!(r.body.contains("Rafi Kecil"));
    assert!(r.body.contains("AMPERA"));
    let csv = t
        .get(&format!("/app/tantangan/{id}/peserta.csv"), Some(&staff))
        .await;
    assert!(
        csv.body
            .starts_with("nickname,progress,percent,joined,completed")
    );
    assert!(csv.body.contains("Rafi Kecil,3,100,"), "{}", csv.body);
    let r = t.get("/app/tantangan/tinjauan", Some(&staff)).await;
    assert!(r.body.contains("Tidak ada catatan yang menunggu"));
}
