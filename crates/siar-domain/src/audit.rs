//! The audit log: who did what, when, to which record.

use crate::Timestamp;
use crate::org::{OrgId, UserId};
use serde::Serialize;

/// What happened, as a stable machine name (also an i18n key suffix: `audit-<action>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum AuditAction {
    SignIn,
    SignOutEverywhere,
    StaffCreated,
    StaffUpdated,
    PasswordChanged,
    SettingsUpdated,
    LogoUpdated,
    JobRetried,
    ApiTokenCreated,
    LanguageChanged,
    ChannelConnected,
    ChannelPaused,
    ChannelResumed,
    ChannelDisconnected,
    PostScheduled,
    PostUpdated,
    PostDeleted,
    DeliveryRetried,
    DeliveryCancelled,
    DeliveryConfirmed,
    MediaUploaded,
    LinkCreated,
    LinkBioChanged,
    DraftSaved,
    PostSubmitted,
    PostChangesRequested,
    PostApproved,
    PostWithdrawn,
    PostRescheduled,
    CampaignCreated,
    CampaignUpdated,
    HashtagGroupChanged,
    QueueChanged,
    TemplateChanged,
    OrgDayChanged,
    ArticleSaved,
    InboxReplied,
    InboxModerated,
    InboxChanged,
    InboxSettingsChanged,
    ProgramChanged,
}

impl AuditAction {
    pub const ALL: [AuditAction; 41] = [
        AuditAction::SignIn,
        AuditAction::SignOutEverywhere,
        AuditAction::StaffCreated,
        AuditAction::StaffUpdated,
        AuditAction::PasswordChanged,
        AuditAction::SettingsUpdated,
        AuditAction::LogoUpdated,
        AuditAction::JobRetried,
        AuditAction::ApiTokenCreated,
        AuditAction::LanguageChanged,
        AuditAction::ChannelConnected,
        AuditAction::ChannelPaused,
        AuditAction::ChannelResumed,
        AuditAction::ChannelDisconnected,
        AuditAction::PostScheduled,
        AuditAction::PostUpdated,
        AuditAction::PostDeleted,
        AuditAction::DeliveryRetried,
        AuditAction::DeliveryCancelled,
        AuditAction::DeliveryConfirmed,
        AuditAction::MediaUploaded,
        AuditAction::LinkCreated,
        AuditAction::LinkBioChanged,
        AuditAction::DraftSaved,
        AuditAction::PostSubmitted,
        AuditAction::PostChangesRequested,
        AuditAction::PostApproved,
        AuditAction::PostWithdrawn,
        AuditAction::PostRescheduled,
        AuditAction::CampaignCreated,
        AuditAction::CampaignUpdated,
        AuditAction::HashtagGroupChanged,
        AuditAction::QueueChanged,
        AuditAction::TemplateChanged,
        AuditAction::OrgDayChanged,
        AuditAction::ArticleSaved,
        AuditAction::InboxReplied,
        AuditAction::InboxModerated,
        AuditAction::InboxChanged,
        AuditAction::InboxSettingsChanged,
        AuditAction::ProgramChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::SignIn => "sign_in",
            AuditAction::SignOutEverywhere => "sign_out_everywhere",
            AuditAction::StaffCreated => "staff_created",
            AuditAction::StaffUpdated => "staff_updated",
            AuditAction::PasswordChanged => "password_changed",
            AuditAction::SettingsUpdated => "settings_updated",
            AuditAction::LogoUpdated => "logo_updated",
            AuditAction::JobRetried => "job_retried",
            AuditAction::ApiTokenCreated => "api_token_created",
            AuditAction::LanguageChanged => "language_changed",
            AuditAction::ChannelConnected => "channel_connected",
            AuditAction::ChannelPaused => "channel_paused",
            AuditAction::ChannelResumed => "channel_resumed",
            AuditAction::ChannelDisconnected => "channel_disconnected",
            AuditAction::PostScheduled => "post_scheduled",
            AuditAction::PostUpdated => "post_updated",
            AuditAction::PostDeleted => "post_deleted",
            AuditAction::DeliveryRetried => "delivery_retried",
            AuditAction::DeliveryCancelled => "delivery_cancelled",
            AuditAction::DeliveryConfirmed => "delivery_confirmed",
            AuditAction::MediaUploaded => "media_uploaded",
            AuditAction::LinkCreated => "link_created",
            AuditAction::LinkBioChanged => "link_bio_changed",
            AuditAction::DraftSaved => "draft_saved",
            AuditAction::PostSubmitted => "post_submitted",
            AuditAction::PostChangesRequested => "post_changes_requested",
            AuditAction::PostApproved => "post_approved",
            AuditAction::PostWithdrawn => "post_withdrawn",
            AuditAction::PostRescheduled => "post_rescheduled",
            AuditAction::CampaignCreated => "campaign_created",
            AuditAction::CampaignUpdated => "campaign_updated",
            AuditAction::HashtagGroupChanged => "hashtag_group_changed",
            AuditAction::QueueChanged => "queue_changed",
            AuditAction::TemplateChanged => "template_changed",
            AuditAction::OrgDayChanged => "org_day_changed",
            AuditAction::ArticleSaved => "article_saved",
            AuditAction::InboxReplied => "inbox_replied",
            AuditAction::InboxModerated => "inbox_moderated",
            AuditAction::InboxChanged => "inbox_changed",
            AuditAction::InboxSettingsChanged => "inbox_settings_changed",
            AuditAction::ProgramChanged => "program_changed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            AuditAction::SignIn => "audit-sign_in",
            AuditAction::SignOutEverywhere => "audit-sign_out_everywhere",
            AuditAction::StaffCreated => "audit-staff_created",
            AuditAction::StaffUpdated => "audit-staff_updated",
            AuditAction::PasswordChanged => "audit-password_changed",
            AuditAction::SettingsUpdated => "audit-settings_updated",
            AuditAction::LogoUpdated => "audit-logo_updated",
            AuditAction::JobRetried => "audit-job_retried",
            AuditAction::ApiTokenCreated => "audit-api_token_created",
            AuditAction::LanguageChanged => "audit-language_changed",
            AuditAction::ChannelConnected => "audit-channel_connected",
            AuditAction::ChannelPaused => "audit-channel_paused",
            AuditAction::ChannelResumed => "audit-channel_resumed",
            AuditAction::ChannelDisconnected => "audit-channel_disconnected",
            AuditAction::PostScheduled => "audit-post_scheduled",
            AuditAction::PostUpdated => "audit-post_updated",
            AuditAction::PostDeleted => "audit-post_deleted",
            AuditAction::DeliveryRetried => "audit-delivery_retried",
            AuditAction::DeliveryCancelled => "audit-delivery_cancelled",
            AuditAction::DeliveryConfirmed => "audit-delivery_confirmed",
            AuditAction::MediaUploaded => "audit-media_uploaded",
            AuditAction::LinkCreated => "audit-link_created",
            AuditAction::LinkBioChanged => "audit-link_bio_changed",
            AuditAction::DraftSaved => "audit-draft_saved",
            AuditAction::PostSubmitted => "audit-post_submitted",
            AuditAction::PostChangesRequested => "audit-post_changes_requested",
            AuditAction::PostApproved => "audit-post_approved",
            AuditAction::PostWithdrawn => "audit-post_withdrawn",
            AuditAction::PostRescheduled => "audit-post_rescheduled",
            AuditAction::CampaignCreated => "audit-campaign_created",
            AuditAction::CampaignUpdated => "audit-campaign_updated",
            AuditAction::HashtagGroupChanged => "audit-hashtag_group_changed",
            AuditAction::QueueChanged => "audit-queue_changed",
            AuditAction::TemplateChanged => "audit-template_changed",
            AuditAction::OrgDayChanged => "audit-org_day_changed",
            AuditAction::ArticleSaved => "audit-article_saved",
            AuditAction::InboxReplied => "audit-inbox_replied",
            AuditAction::InboxModerated => "audit-inbox_moderated",
            AuditAction::InboxChanged => "audit-inbox_changed",
            AuditAction::InboxSettingsChanged => "audit-inbox_settings_changed",
            AuditAction::ProgramChanged => "audit-program_changed",
        }
    }
}

/// One row of the audit log. `summary` is a before → after description of what
/// changed, written in field names and values (not in one language).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub org_id: OrgId,
    pub actor_id: Option<UserId>,
    /// The actor as they were known at the time (e-mail, or `system` / `cli`).
    pub actor_label: String,
    pub action: String,
    pub record_type: String,
    pub record_id: Option<String>,
    pub summary: String,
    pub ip: Option<String>,
    pub created_at: Timestamp,
}

/// A new audit row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAudit {
    pub actor_id: Option<UserId>,
    pub actor_label: String,
    pub action: AuditAction,
    pub record_type: &'static str,
    pub record_id: Option<String>,
    pub summary: String,
    pub ip: Option<String>,
}

/// Filters of the audit page; every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor_id: Option<UserId>,
    pub action: Option<String>,
    pub record_type: Option<String>,
    pub from: Option<Timestamp>,
    pub until: Option<Timestamp>,
}

/// Describes a change as `field: before → after; …`, listing only changed fields.
pub fn diff_summary(fields: &[(&str, String, String)]) -> String {
    fields
        .iter()
        .filter(|(_, before, after)| before != after)
        .map(|(name, before, after)| format!("{name}: {before} → {after}"))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_lists_only_changes() {
        let s = diff_summary(&[
            ("name", "A".into(), "B".into()),
            ("role", "editor".into(), "editor".into()),
            ("active", "true".into(), "false".into()),
        ]);
        assert_eq!(s, "name: A → B; active: true → false");
    }

    #[test]
    fn actions_round_trip() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
            assert!(a.label_key().ends_with(a.as_str()));
        }
    }
}
