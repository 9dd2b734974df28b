//! Every route with what it requires, in one table. The router is built from this
//! table, and a test walks it for every role.

use crate::middleware::{self, Access};
use crate::{
    WebState, analytics as an, api, articles as art, assets, calendar as cal, days, inbox as ib,
    links, pages, portal as pt, programs as pr, publishing as pb, reports as rep, rewards as rw,
    studio as st,
};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, patch, post};
use siar_domain::org::Permission::*;

/// One route: method, path pattern, an example path for tests, and its access rule.
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub example: &'static str,
    pub access: Access,
}

fn spec(method: Method, path: &'static str, example: &'static str, access: Access) -> RouteSpec {
    RouteSpec {
        method,
        path,
        example,
        access,
    }
}

/// Routes that take file uploads, and how large a request they accept.
const UPLOAD_PATHS: [&str; 5] = [
    "/app/tulis",
    "/app/tulis/{id}",
    "/app/kalender/impor",
    "/app/artikel/baru",
    "/app/artikel/{id}",
];
pub const UPLOAD_LIMIT: usize = 210 * 1024 * 1024;

/// The route table. `example` fills path parameters for the access test.
pub fn table() -> Vec<(RouteSpec, MethodRouter<WebState>)> {
    use Access::*;
    let g = Method::GET;
    let p = Method::POST;
    vec![
        (
            spec(
                g.clone(),
                "/api/v1/openapi.json",
                "/api/v1/openapi.json",
                Public,
            ),
            get(api::openapi),
        ),
        (
            spec(
                g.clone(),
                "/api/v1/channels",
                "/api/v1/channels",
                Api(ViewPosts),
            ),
            get(api::list_channels),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/channels",
                "/api/v1/channels",
                Api(ManageChannels),
            ),
            post(api::create_channel),
        ),
        (
            spec(g.clone(), "/api/v1/posts", "/api/v1/posts", Api(ViewPosts)),
            get(api::list_posts),
        ),
        (
            spec(p.clone(), "/api/v1/posts", "/api/v1/posts", Api(Publish)),
            post(api::create_post),
        ),
        (
            spec(
                p.clone(),
                "/api/v1/posts/validate",
                "/api/v1/posts/validate",
                Api(ViewPosts),
            ),
            post(api::validate_post),
        ),
        (
            spec(
                g.clone(),
                "/api/v1/posts/{id}",
                "/api/v1/posts/1",
                Api(ViewPosts),
            ),
            get(api::get_post),
        ),
        (
            spec(
                Method::PATCH,
                "/api/v1/posts/{id}",
                "/api/v1/posts/1",
                Api(Publish),
            ),
            patch(api::patch_post),
        ),
        (
            spec(
                Method::DELETE,
                "/api/v1/posts/{id}",
                "/api/v1/posts/1",
                Api(Publish),
            ),
            delete(api::delete_post),
        ),
        (
            spec(g.clone(), "/hooks/meta", "/hooks/meta", Hook),
            get(ib::meta_verify),
        ),
        (
            spec(p.clone(), "/hooks/meta", "/hooks/meta", Hook),
            post(ib::meta_event),
        ),
        (
            spec(g.clone(), "/hooks/x", "/hooks/x", Hook),
            get(ib::x_crc),
        ),
        (
            spec(g.clone(), "/nilai/{token}", "/nilai/tidak-ada", Public),
            get(ib::rating),
        ),
        (
            spec(p.clone(), "/nilai/{token}", "/nilai/tidak-ada", Public),
            post(ib::rate),
        ),
        (
            spec(
                g.clone(),
                "/app/kotak-masuk",
                "/app/kotak-masuk",
                Staff(Inbox),
            ),
            get(ib::list),
        ),
        (
            spec(
                g.clone(),
                "/app/kotak-masuk/aliran",
                "/app/kotak-masuk/aliran?sekali=1",
                Staff(Inbox),
            ),
            get(ib::events),
        ),
        (
            spec(
                p.clone(),
                "/app/kotak-masuk/latihan",
                "/app/kotak-masuk/latihan",
                Staff(Inbox),
            ),
            post(ib::practice),
        ),
        (
            spec(
                g.clone(),
                "/app/kotak-masuk/laporan",
                "/app/kotak-masuk/laporan",
                Staff(ViewReports),
            ),
            get(ib::report),
        ),
        (
            spec(
                g.clone(),
                "/app/kotak-masuk/laporan.csv",
                "/app/kotak-masuk/laporan.csv",
                Staff(ViewReports),
            ),
            get(ib::report_csv),
        ),
        (
            spec(
                g.clone(),
                "/app/analitik",
                "/app/analitik",
                Staff(ViewReports),
            ),
            get(an::summary),
        ),
        (
            spec(
                g.clone(),
                "/app/analitik/konten",
                "/app/analitik/konten",
                Staff(ViewReports),
            ),
            get(an::content),
        ),
        (
            spec(
                g.clone(),
                "/app/analitik/waktu",
                "/app/analitik/waktu",
                Staff(ViewReports),
            ),
            get(an::time),
        ),
        (
            spec(
                g.clone(),
                "/app/analitik/audiens",
                "/app/analitik/audiens",
                Staff(ViewReports),
            ),
            get(an::audience),
        ),
        (
            spec(
                g.clone(),
                "/app/analitik/pos/{id}",
                "/app/analitik/pos/999999",
                Staff(ViewReports),
            ),
            get(an::post),
        ),
        (
            spec(
                g.clone(),
                "/app/analitik/laporan",
                "/app/analitik/laporan",
                Staff(ViewReports),
            ),
            get(rep::page),
        ),
        (
            spec(
                p.clone(),
                "/app/analitik/laporan",
                "/app/analitik/laporan",
                Staff(ViewReports),
            ),
            post(rep::make),
        ),
        (
            spec(
                p.clone(),
                "/app/analitik/laporan/penerima",
                "/app/analitik/laporan/penerima",
                Staff(ManageSettings),
            ),
            post(rep::save_recipients),
        ),
        (
            spec(
                g.clone(),
                "/app/analitik/laporan/{id}",
                "/app/analitik/laporan/999999",
                Staff(ViewReports),
            ),
            get(rep::download),
        ),
        (
            spec(
                g.clone(),
                "/app/analitik/{table}",
                "/app/analitik/kanal.csv",
                Staff(ViewReports),
            ),
            get(an::csv_table),
        ),
        (
            spec(
                g.clone(),
                "/app/kotak-masuk/atur",
                "/app/kotak-masuk/atur",
                Staff(Inbox),
            ),
            get(ib::admin),
        ),
        (
            spec(
                p.clone(),
                "/app/kotak-masuk/atur",
                "/app/kotak-masuk/atur",
                Staff(ManageInbox),
            ),
            post(ib::save_settings),
        ),
        (
            spec(
                p.clone(),
                "/app/kotak-masuk/atur/aturan",
                "/app/kotak-masuk/atur/aturan",
                Staff(ManageInbox),
            ),
            post(ib::add_rule),
        ),
        (
            spec(
                p.clone(),
                "/app/kotak-masuk/atur/aturan/{id}/nyalakan",
                "/app/kotak-masuk/atur/aturan/1/nyalakan",
                Staff(ManageInbox),
            ),
            post(ib::toggle_rule),
        ),
        (
            spec(
                p.clone(),
                "/app/kotak-masuk/atur/aturan/{id}/hapus",
                "/app/kotak-masuk/atur/aturan/999999/hapus",
                Staff(ManageInbox),
            ),
            post(ib::delete_rule),
        ),
        (
            spec(
                p.clone(),
                "/app/kotak-masuk/atur/balasan",
                "/app/kotak-masuk/atur/balasan",
                Staff(ManageInbox),
            ),
            post(ib::add_saved),
        ),
        (
            spec(
                p.clone(),
                "/app/kotak-masuk/atur/balasan/{id}/hapus",
                "/app/kotak-masuk/atur/balasan/999999/hapus",
                Staff(ManageInbox),
            ),
            post(ib::delete_saved),
        ),
        (
            spec(
                g.clone(),
                "/app/kotak-masuk/{id}",
                "/app/kotak-masuk/999999",
                Staff(Inbox),
            ),
            get(ib::conversation),
        ),
        (
            spec(
                p.clone(),
                "/app/kotak-masuk/{id}/balas",
                "/app/kotak-masuk/999999/balas",
                Staff(Inbox),
            ),
            post(ib::reply),
        ),
        (
            spec(
                p.clone(),
                "/app/kotak-masuk/{id}/catatan",
                "/app/kotak-masuk/999999/catatan",
                Staff(Inbox),
            ),
            post(ib::note),
        ),
        (
            spec(
                p.clone(),
                "/app/kotak-masuk/{id}/ubah",
                "/app/kotak-masuk/999999/ubah",
                Staff(Inbox),
            ),
            post(ib::change),
        ),
        (
            spec(
                p.clone(),
                "/app/kotak-masuk/pesan/{id}/kirim",
                "/app/kotak-masuk/pesan/999999/kirim",
                Staff(Inbox),
            ),
            post(ib::send_again),
        ),
        (
            spec(
                p.clone(),
                "/app/kotak-masuk/pesan/{id}/moderasi",
                "/app/kotak-masuk/pesan/999999/moderasi",
                Staff(ModerateInbox),
            ),
            post(ib::moderate),
        ),
        (spec(g.clone(), "/", "/", Public), get(pages::portal)),
        (
            spec(g.clone(), "/healthz", "/healthz", Public),
            get(pages::healthz),
        ),
        (
            spec(g.clone(), "/readyz", "/readyz", Public),
            get(pages::readyz),
        ),
        (
            spec(g.clone(), "/metrics", "/metrics", Public),
            get(pages::metrics),
        ),
        (
            spec(g.clone(), "/assets/{name}", "/assets/app.css", Public),
            get(assets::serve),
        ),
        (
            spec(
                g.clone(),
                "/media/{slug}/logo",
                "/media/palembang/logo",
                Public,
            ),
            get(pages::logo),
        ),
        (
            spec(g.clone(), "/app/login", "/app/login", Public),
            get(pages::login_form),
        ),
        (
            spec(p.clone(), "/app/login", "/app/login", Public),
            post(pages::login_submit),
        ),
        (
            spec(
                p.clone(),
                "/app/logout",
                "/app/logout",
                Staff(UseOwnAccount),
            ),
            post(pages::logout),
        ),
        (
            spec(
                p.clone(),
                "/app/logout-all",
                "/app/logout-all",
                Staff(UseOwnAccount),
            ),
            post(pages::logout_all),
        ),
        (
            spec(p.clone(), "/app/lang", "/app/lang", Staff(UseOwnAccount)),
            post(pages::set_lang),
        ),
        (
            spec(
                g.clone(),
                "/app/channels",
                "/app/channels",
                Staff(ViewPosts),
            ),
            get(pb::channels_list),
        ),
        (
            spec(
                p.clone(),
                "/app/channels/practice",
                "/app/channels/practice",
                Staff(ManageChannels),
            ),
            post(pb::connect_practice),
        ),
        (
            spec(
                p.clone(),
                "/app/channels/bluesky",
                "/app/channels/bluesky",
                Staff(ManageChannels),
            ),
            post(pb::connect_bluesky),
        ),
        (
            spec(
                p.clone(),
                "/app/channels/oauth",
                "/app/channels/oauth",
                Staff(ManageChannels),
            ),
            post(pb::start_oauth),
        ),
        (
            spec(
                g.clone(),
                "/app/channels/callback",
                "/app/channels/callback",
                Staff(ManageChannels),
            ),
            get(pb::oauth_callback),
        ),
        (
            spec(
                g.clone(),
                "/app/channels/facebook/pick",
                "/app/channels/facebook/pick?token=x",
                Staff(ManageChannels),
            ),
            get(pb::facebook_pick),
        ),
        (
            spec(
                p.clone(),
                "/app/channels/facebook/pick",
                "/app/channels/facebook/pick",
                Staff(ManageChannels),
            ),
            post(pb::facebook_pick_submit),
        ),
        (
            spec(
                g.clone(),
                "/app/channels/{id}",
                "/app/channels/1",
                Staff(ViewPosts),
            ),
            get(pb::channel_detail),
        ),
        (
            spec(
                p.clone(),
                "/app/channels/{id}/status",
                "/app/channels/1/status",
                Staff(ManageChannels),
            ),
            post(pb::channel_status),
        ),
        (
            spec(g.clone(), "/app/posts", "/app/posts", Staff(ViewPosts)),
            get(pb::posts_list),
        ),
        (
            spec(g.clone(), "/app/links", "/app/links", Staff(ViewPosts)),
            get(links::list),
        ),
        (
            spec(
                g.clone(),
                "/app/hari-penting",
                "/app/hari-penting",
                Staff(ViewPosts),
            ),
            get(days::list),
        ),
        (
            spec(p.clone(), "/app/links", "/app/links", Staff(MakeLinks)),
            post(links::create),
        ),
        (
            spec(
                g.clone(),
                "/app/links/{id}",
                "/app/links/1",
                Staff(ViewPosts),
            ),
            get(links::detail),
        ),
        (
            spec(
                g.clone(),
                "/app/links/{id}/qr.png",
                "/app/links/1/qr.png",
                Staff(ViewPosts),
            ),
            get(links::qr_png),
        ),
        (
            spec(
                g.clone(),
                "/app/links/{id}/qr.svg",
                "/app/links/1/qr.svg",
                Staff(ViewPosts),
            ),
            get(links::qr_svg),
        ),
        (
            spec(g.clone(), "/l/{code}", "/l/abcdefg", Public),
            get(links::follow),
        ),
        (
            spec(
                p.clone(),
                "/app/links/{id}/bio",
                "/app/links/1/bio",
                Staff(Publish),
            ),
            post(links::set_bio),
        ),
        (
            spec(g.clone(), "/tautan", "/tautan", Public),
            get(links::bio),
        ),
        // The patrons' portal (issue 7).
        (
            spec(g.clone(), "/masuk", "/masuk", Public),
            get(pt::sign_in),
        ),
        (
            spec(p.clone(), "/masuk", "/masuk", Public),
            post(pt::send_code),
        ),
        (
            spec(p.clone(), "/masuk/kode", "/masuk/kode", Public),
            post(pt::check_code),
        ),
        (
            spec(g.clone(), "/akun/mulai", "/akun/mulai", Public),
            get(pt::setup_form),
        ),
        (
            spec(p.clone(), "/akun/mulai", "/akun/mulai", Public),
            post(pt::setup),
        ),
        (spec(g.clone(), "/akun", "/akun", Public), get(pt::account)),
        (
            spec(p.clone(), "/akun/anak", "/akun/anak", Public),
            post(pt::add_child),
        ),
        (
            spec(
                p.clone(),
                "/akun/anak/{id}/hapus",
                "/akun/anak/1/hapus",
                Public,
            ),
            post(pt::remove_child),
        ),
        (
            spec(p.clone(), "/akun/profil", "/akun/profil", Public),
            post(pt::switch_profile),
        ),
        (
            spec(p.clone(), "/akun/ubah", "/akun/ubah", Public),
            post(pt::update_account),
        ),
        (
            spec(p.clone(), "/akun/keluar", "/akun/keluar", Public),
            post(pt::sign_out),
        ),
        (
            spec(g.clone(), "/akun/data", "/akun/data", Public),
            get(pt::my_data),
        ),
        (
            spec(g.clone(), "/akun/data.json", "/akun/data.json", Public),
            get(pt::export_json),
        ),
        (
            spec(g.clone(), "/akun/data.csv", "/akun/data.csv", Public),
            get(pt::export_csv),
        ),
        (
            spec(p.clone(), "/akun/hapus", "/akun/hapus", Public),
            post(pt::delete_account),
        ),
        (
            spec(g.clone(), "/jajak/{slug}", "/jajak/contoh", Public),
            get(pt::poll),
        ),
        (
            spec(p.clone(), "/jajak/{slug}", "/jajak/contoh", Public),
            post(pt::vote),
        ),
        (
            spec(g.clone(), "/app/jajak", "/app/jajak", Staff(ViewReports)),
            get(pr::list),
        ),
        (
            spec(p.clone(), "/app/jajak", "/app/jajak", Staff(ManagePrograms)),
            post(pr::create),
        ),
        (
            spec(
                g.clone(),
                "/app/jajak/{id}",
                "/app/jajak/1",
                Staff(ViewReports),
            ),
            get(pr::detail),
        ),
        (
            spec(
                p.clone(),
                "/app/jajak/{id}/tutup",
                "/app/jajak/1/tutup",
                Staff(ManagePrograms),
            ),
            post(pr::close),
        ),
        (
            spec(
                g.clone(),
                "/app/jajak/{id}/hasil.csv",
                "/app/jajak/1/hasil.csv",
                Staff(ViewReports),
            ),
            get(pr::csv),
        ),
        (
            spec(
                g.clone(),
                "/app/patron/kode",
                "/app/patron/kode",
                Staff(ManagePrograms),
            ),
            get(pr::codes),
        ),
        (
            spec(g.clone(), "/hadiah", "/hadiah", Public),
            get(rw::catalogue),
        ),
        (
            spec(p.clone(), "/hadiah/{id}/tukar", "/hadiah/1/tukar", Public),
            post(rw::take),
        ),
        (
            spec(g.clone(), "/voucher/{code}", "/voucher/ACDE-FGHJ", Public),
            get(rw::voucher),
        ),
        (
            spec(
                g.clone(),
                "/voucher/{code}/qr.svg",
                "/voucher/ACDE-FGHJ/qr.svg",
                Public,
            ),
            get(rw::voucher_qr),
        ),
        (
            spec(g.clone(), "/akun/poin", "/akun/poin", Public),
            get(rw::my_points),
        ),
        (
            spec(
                g.clone(),
                "/app/hadiah",
                "/app/hadiah",
                Staff(RedeemVouchers),
            ),
            get(rw::admin),
        ),
        (
            spec(
                p.clone(),
                "/app/hadiah",
                "/app/hadiah",
                Staff(ManagePrograms),
            ),
            post(rw::create),
        ),
        (
            spec(
                g.clone(),
                "/app/hadiah/tukar",
                "/app/hadiah/tukar",
                Staff(RedeemVouchers),
            ),
            get(rw::desk),
        ),
        (
            spec(
                p.clone(),
                "/app/hadiah/tukar",
                "/app/hadiah/tukar",
                Staff(RedeemVouchers),
            ),
            post(rw::redeem),
        ),
        (
            spec(
                p.clone(),
                "/app/hadiah/{id}",
                "/app/hadiah/1",
                Staff(ManagePrograms),
            ),
            post(rw::update),
        ),
        (
            spec(p.clone(), "/app/poin", "/app/poin", Staff(ManagePrograms)),
            post(rw::award),
        ),
        (
            spec(g.clone(), "/app/posts/new", "/app/posts/new", Staff(Draft)),
            get(st::old_compose),
        ),
        (
            spec(
                g.clone(),
                "/app/kalender",
                "/app/kalender",
                Staff(ViewPosts),
            ),
            get(cal::calendar),
        ),
        (
            spec(
                g.clone(),
                "/app/kalender.csv",
                "/app/kalender.csv",
                Staff(ViewPosts),
            ),
            get(cal::export),
        ),
        (
            spec(
                p.clone(),
                "/app/kalender/pindah",
                "/app/kalender/pindah",
                Staff(Draft),
            ),
            post(cal::move_post),
        ),
        (
            spec(
                g.clone(),
                "/app/kalender/impor",
                "/app/kalender/impor",
                Staff(Draft),
            ),
            get(cal::import_form),
        ),
        (
            spec(
                p.clone(),
                "/app/kalender/impor",
                "/app/kalender/impor",
                Staff(Draft),
            ),
            post(cal::import),
        ),
        (
            spec(g.clone(), "/app/antrean", "/app/antrean", Staff(ViewPosts)),
            get(cal::queues),
        ),
        (
            spec(p.clone(), "/app/antrean", "/app/antrean", Staff(Publish)),
            post(cal::save_queue),
        ),
        (
            spec(
                p.clone(),
                "/app/hari-penting",
                "/app/hari-penting",
                Staff(ManageSettings),
            ),
            post(days::add),
        ),
        (
            spec(
                p.clone(),
                "/app/hari-penting/{id}/hapus",
                "/app/hari-penting/1/hapus",
                Staff(ManageSettings),
            ),
            post(days::remove),
        ),
        (
            spec(g.clone(), "/app/templat", "/app/templat", Staff(ViewPosts)),
            get(st::templates),
        ),
        (
            spec(p.clone(), "/app/templat", "/app/templat", Staff(Publish)),
            post(st::add_template),
        ),
        (
            spec(
                p.clone(),
                "/app/templat/{id}/hapus",
                "/app/templat/1/hapus",
                Staff(Publish),
            ),
            post(st::remove_template),
        ),
        (
            spec(g.clone(), "/app/artikel", "/app/artikel", Staff(ViewPosts)),
            get(art::list),
        ),
        (
            spec(
                g.clone(),
                "/app/artikel/baru",
                "/app/artikel/baru",
                Staff(Draft),
            ),
            get(art::new_form),
        ),
        (
            spec(
                p.clone(),
                "/app/artikel/baru",
                "/app/artikel/baru",
                Staff(Draft),
            ),
            post(art::create),
        ),
        (
            spec(
                g.clone(),
                "/app/artikel/{id}",
                "/app/artikel/1",
                Staff(ViewPosts),
            ),
            get(art::edit_form),
        ),
        (
            spec(
                p.clone(),
                "/app/artikel/{id}",
                "/app/artikel/1",
                Staff(Draft),
            ),
            post(art::update),
        ),
        (
            spec(g.clone(), "/artikel", "/artikel", Public),
            get(art::public_list),
        ),
        (
            spec(g.clone(), "/artikel/{slug}", "/artikel/contoh", Public),
            get(art::public_article),
        ),
        (
            spec(
                g.clone(),
                "/artikel/{slug}/sampul",
                "/artikel/contoh/sampul",
                Public,
            ),
            get(art::public_cover),
        ),
        (
            spec(g.clone(), "/app/tulis", "/app/tulis", Staff(Draft)),
            get(st::new_draft),
        ),
        (
            spec(p.clone(), "/app/tulis", "/app/tulis", Staff(Draft)),
            post(st::create_draft),
        ),
        (
            spec(
                p.clone(),
                "/app/tulis/periksa",
                "/app/tulis/periksa",
                Staff(Draft),
            ),
            post(st::check),
        ),
        (
            spec(
                p.clone(),
                "/app/tulis/simpan-otomatis",
                "/app/tulis/simpan-otomatis",
                Staff(Draft),
            ),
            post(st::autosave_new),
        ),
        (
            spec(
                g.clone(),
                "/app/tulis/{id}",
                "/app/tulis/1",
                Staff(ViewPosts),
            ),
            get(st::edit_draft),
        ),
        (
            spec(p.clone(), "/app/tulis/{id}", "/app/tulis/1", Staff(Draft)),
            post(st::update_draft),
        ),
        (
            spec(
                p.clone(),
                "/app/tulis/{id}/simpan-otomatis",
                "/app/tulis/1/simpan-otomatis",
                Staff(Draft),
            ),
            post(st::autosave_existing),
        ),
        (
            spec(
                p.clone(),
                "/app/tulis/{id}/tinjau",
                "/app/tulis/1/tinjau",
                Staff(Draft),
            ),
            post(st::review),
        ),
        (
            spec(
                g.clone(),
                "/app/tinjauan",
                "/app/tinjauan",
                Staff(ViewPosts),
            ),
            get(st::review_queue),
        ),
        (
            spec(
                g.clone(),
                "/app/notifikasi",
                "/app/notifikasi",
                Staff(ViewConsole),
            ),
            get(st::notifications),
        ),
        (
            spec(
                p.clone(),
                "/app/notifikasi",
                "/app/notifikasi",
                Staff(ViewConsole),
            ),
            post(st::notifications_read),
        ),
        (
            spec(
                g.clone(),
                "/app/kampanye",
                "/app/kampanye",
                Staff(ViewPosts),
            ),
            get(st::campaigns),
        ),
        (
            spec(p.clone(), "/app/kampanye", "/app/kampanye", Staff(Publish)),
            post(st::create_campaign),
        ),
        (
            spec(
                g.clone(),
                "/app/kampanye/{id}",
                "/app/kampanye/1",
                Staff(ViewPosts),
            ),
            get(st::campaign_detail),
        ),
        (
            spec(
                p.clone(),
                "/app/kampanye/{id}",
                "/app/kampanye/1",
                Staff(Publish),
            ),
            post(st::update_campaign),
        ),
        (
            spec(p.clone(), "/app/tagar", "/app/tagar", Staff(Publish)),
            post(st::add_group),
        ),
        (
            spec(
                p.clone(),
                "/app/tagar/{id}/hapus",
                "/app/tagar/1/hapus",
                Staff(Publish),
            ),
            post(st::remove_group),
        ),
        (
            spec(
                g.clone(),
                "/app/posts/{id}",
                "/app/posts/1",
                Staff(ViewPosts),
            ),
            get(pb::post_detail),
        ),
        (
            spec(
                p.clone(),
                "/app/deliveries/{id}",
                "/app/deliveries/1",
                Staff(Publish),
            ),
            post(pb::delivery_action),
        ),
        (
            spec(
                g.clone(),
                "/app/media/{id}",
                "/app/media/1",
                Staff(ViewPosts),
            ),
            get(pb::media_file),
        ),
        (
            spec(g.clone(), "/media/{id}/{exp}/{sig}", "/media/1/1/x", Public),
            get(pb::media_signed),
        ),
        (
            spec(g.clone(), "/app", "/app", Staff(ViewConsole)),
            get(pages::home),
        ),
        (
            spec(
                g.clone(),
                "/app/account",
                "/app/account",
                Staff(UseOwnAccount),
            ),
            get(pages::account),
        ),
        (
            spec(
                p.clone(),
                "/app/account/password",
                "/app/account/password",
                Staff(UseOwnAccount),
            ),
            post(pages::account_password),
        ),
        (
            spec(g.clone(), "/app/staff", "/app/staff", Staff(ManageStaff)),
            get(pages::staff_list),
        ),
        (
            spec(
                g.clone(),
                "/app/staff/new",
                "/app/staff/new",
                Staff(ManageStaff),
            ),
            get(pages::staff_new),
        ),
        (
            spec(
                p.clone(),
                "/app/staff/new",
                "/app/staff/new",
                Staff(ManageStaff),
            ),
            post(pages::staff_create),
        ),
        (
            spec(
                g.clone(),
                "/app/staff/{id}",
                "/app/staff/1",
                Staff(ManageStaff),
            ),
            get(pages::staff_edit),
        ),
        (
            spec(
                p.clone(),
                "/app/staff/{id}",
                "/app/staff/1",
                Staff(ManageStaff),
            ),
            post(pages::staff_update),
        ),
        (
            spec(
                p.clone(),
                "/app/staff/{id}/password",
                "/app/staff/1/password",
                Staff(ManageStaff),
            ),
            post(pages::staff_password),
        ),
        (
            spec(
                g.clone(),
                "/app/settings",
                "/app/settings",
                Staff(ManageSettings),
            ),
            get(pages::settings_form),
        ),
        (
            spec(
                p.clone(),
                "/app/settings",
                "/app/settings",
                Staff(ManageSettings),
            ),
            post(pages::settings_save),
        ),
        (
            spec(
                p.clone(),
                "/app/settings/logo",
                "/app/settings/logo",
                Staff(ManageSettings),
            ),
            post(pages::settings_logo),
        ),
        (
            spec(g.clone(), "/app/audit", "/app/audit", Staff(ViewAudit)),
            get(pages::audit_page),
        ),
        (
            spec(
                g.clone(),
                "/app/audit.csv",
                "/app/audit.csv",
                Staff(ViewAudit),
            ),
            get(pages::audit_csv),
        ),
        (
            spec(g.clone(), "/app/jobs", "/app/jobs", Staff(ManageJobs)),
            get(pages::jobs_page),
        ),
        (
            spec(
                p.clone(),
                "/app/jobs/{id}/retry",
                "/app/jobs/1/retry",
                Staff(ManageJobs),
            ),
            post(pages::job_retry),
        ),
    ]
}

/// Just the specs (for tests and documentation).
pub fn specs() -> Vec<RouteSpec> {
    table().into_iter().map(|(s, _)| s).collect()
}

/// The whole application router.
pub fn router(state: WebState) -> Router {
    let mut r: Router<WebState> = Router::new();
    for (spec, mr) in table() {
        let guarded = mr.route_layer(axum::middleware::from_fn_with_state(
            (state.clone(), spec.access),
            middleware::guard,
        ));
        // Uploads (the composer) may be larger than a plain form.
        let guarded = if UPLOAD_PATHS.contains(&spec.path) {
            guarded.layer(DefaultBodyLimit::max(UPLOAD_LIMIT))
        } else {
            guarded
        };
        r = r.route(spec.path, guarded);
    }
    layers(r.fallback(fallback), state)
}

/// Unknown paths: JSON under `/api/`, the 404 page elsewhere.
async fn fallback(
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    if uri.path().starts_with("/api/") {
        api::not_found(headers).await
    } else {
        axum::response::IntoResponse::into_response(pages::not_found().await)
    }
}

/// The request-wide layers around a set of routes (outermost last).
pub fn layers(r: Router<WebState>, state: WebState) -> Router {
    r.layer(tower_http::catch_panic::CatchPanicLayer::custom(panic_page))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::load_session,
        ))
        .layer(axum::middleware::from_fn(middleware::error_pages))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::observe,
        ))
        .layer(DefaultBodyLimit::max(middleware::MAX_FORM_BYTES))
        .with_state(state)
}

/// A handler that panicked: logged, and answered with the 500 page.
fn panic_page(err: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let what = err
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| err.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!("handler panicked: {what}");
    axum::response::IntoResponse::into_response(crate::error::WebError(
        crate::error::ErrorKind::Internal,
    ))
}
