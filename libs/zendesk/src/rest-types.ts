/** Zendesk Support REST shapes (integer ids, lowercase enums), as far as Ticketflow reads them. */
import type { z } from 'zod';
import type { KnownTicketStatus, StatusCategory } from '@ticketflow/contracts';

export type RestTicketStatus = z.infer<typeof KnownTicketStatus>;

export interface RestTicket {
  id: number;
  url: string;
  external_id: string | null;
  type: 'problem' | 'incident' | 'question' | 'task' | null;
  subject: string | null;
  raw_subject: string | null;
  description: string;
  priority: 'urgent' | 'high' | 'normal' | 'low' | null;
  status: RestTicketStatus;
  custom_status_id: number | null;
  requester_id: number;
  submitter_id: number;
  assignee_id: number | null;
  organization_id: number | null;
  group_id: number | null;
  brand_id: number;
  tags: string[];
  custom_fields?: { id: number; value: string | number | boolean | string[] | null }[];
  via: { channel: string };
  created_at: string;
  updated_at: string;
  /** Unix seconds; moves on every update, system updates included (incremental export order). */
  generated_timestamp: number;
  is_public: boolean;
  ticket_form_id: number | null;
}

export interface RestUser {
  id: number;
  url: string;
  name: string;
  email: string;
  role: 'end-user' | 'agent' | 'admin';
  active: boolean;
  suspended: boolean;
  default_group_id: number | null;
  created_at: string;
  updated_at: string;
}

export interface RestGroup {
  id: number;
  name: string;
  created_at: string;
  updated_at: string;
}

export interface Duration {
  calendar: number | null;
  business: number | null;
}

export interface RestTicketMetric {
  id: number;
  ticket_id: number;
  url: string;
  created_at: string;
  updated_at: string;
  assigned_at: string | null;
  initially_assigned_at: string | null;
  assignee_updated_at: string | null;
  requester_updated_at: string | null;
  status_updated_at: string | null;
  custom_status_updated_at: string | null;
  latest_comment_added_at: string | null;
  solved_at: string | null;
  assignee_stations: number;
  group_stations: number;
  reopens: number;
  replies: number;
  reply_time_in_minutes: Duration;
  first_resolution_time_in_minutes: Duration;
  full_resolution_time_in_minutes: Duration;
  agent_wait_time_in_minutes: Duration;
  requester_wait_time_in_minutes: Duration;
  on_hold_time_in_minutes: Duration;
}

export interface RestCustomStatus {
  id: number;
  status_category: StatusCategory;
  agent_label: string;
  end_user_label: string;
  description: string;
  end_user_description: string;
  raw_agent_label: string;
  raw_end_user_label: string;
  raw_description: string;
  raw_end_user_description: string;
  active: boolean;
  default: boolean;
  created_at: string;
  updated_at: string;
}

export interface IncrementalTicketsPage {
  tickets: RestTicket[];
  metric_sets?: RestTicketMetric[];
  after_cursor: string | null;
  before_cursor: string | null;
  after_url: string | null;
  before_url: string | null;
  end_of_stream: boolean;
}

export interface CursorPage {
  meta: { has_more: boolean; after_cursor: string | null; before_cursor: string | null };
  links: { next: string | null; prev: string | null };
}

export interface ZendeskErrorBody {
  error: string | { title: string; message: string };
  description?: string;
  details?: Record<string, { description: string; error: string }[]>;
}
