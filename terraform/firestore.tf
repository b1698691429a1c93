# The Firestore database (native mode): calls and their events, LangGraph checkpoints, dedupe
# records and the knowledge base. TTL policies expire calls and transcripts (expire_at is written by
# the code from CALLBOT_CALL_RETENTION_DAYS); point-in-time recovery is on in prod.

resource "google_firestore_database" "this" {
  project                           = var.project_id
  name                              = "(default)"
  location_id                       = var.firestore_location
  type                              = "FIRESTORE_NATIVE"
  concurrency_mode                  = "OPTIMISTIC"
  point_in_time_recovery_enablement = var.environment == "prod" ? "POINT_IN_TIME_RECOVERY_ENABLED" : "POINT_IN_TIME_RECOVERY_DISABLED"
  delete_protection_state           = var.environment == "prod" ? "DELETE_PROTECTION_ENABLED" : "DELETE_PROTECTION_DISABLED"
  deletion_policy                   = "ABANDON"

  depends_on = [google_project_service.this]
}

locals {
  # TTL on expire_at: the call documents, and the events of every call (collection group).
  ttl_collections = toset(["calls", "events"])

  # The checkpointer's payloads (callbot/checkpoint/firestore.py: langgraph/{thread}/checkpoints,
  # blobs, writes, chunks) are never queried: no single-field indexes on them, which saves index
  # writes and keeps large payloads under the index entry limits.
  checkpoint_payload_fields = {
    "checkpoints.checkpoint" = { collection = "checkpoints", field = "checkpoint" }
    "checkpoints.metadata"   = { collection = "checkpoints", field = "metadata" }
    "blobs.value"            = { collection = "blobs", field = "value" }
    "writes.value"           = { collection = "writes", field = "value" }
    "chunks.data"            = { collection = "chunks", field = "data" }
  }
}

resource "google_firestore_field" "expire_at" {
  for_each = local.ttl_collections

  project    = var.project_id
  database   = google_firestore_database.this.name
  collection = each.key
  field      = "expire_at"

  ttl_config {}

  # Never queried: no single-field index on a monotonically increasing timestamp.
  index_config {}
}

resource "google_firestore_field" "checkpoint_payload" {
  for_each = local.checkpoint_payload_fields

  project    = var.project_id
  database   = google_firestore_database.this.name
  collection = each.value.collection
  field      = each.value.field

  index_config {}
}

# Vector search over the knowledge base: find_nearest on embedding (768 dimensions, Vertex AI
# text embeddings) filtered on language. Firestore adds the document key (__name__) before the
# vector field and reads it back there; `fields` forces a new index, so it is declared as Firestore
# keeps it, or every apply would destroy and re-create the index.
resource "google_firestore_index" "knowledge_chunks_vector" {
  project     = var.project_id
  database    = google_firestore_database.this.name
  collection  = "knowledge_chunks"
  query_scope = "COLLECTION"

  fields {
    field_path = "language"
    order      = "ASCENDING"
  }

  fields {
    field_path = "__name__"
    order      = "ASCENDING"
  }

  fields {
    field_path = "embedding"

    vector_config {
      dimension = 768
      flat {}
    }
  }
}

# The call console's overview: every call's per-turn latency events of a period, across calls
# (callbot/store/reader.py: events collection group, kind == turn_latency, at_ms in a range).
resource "google_firestore_index" "turn_latency_by_time" {
  project     = var.project_id
  database    = google_firestore_database.this.name
  collection  = "events"
  query_scope = "COLLECTION_GROUP"

  fields {
    field_path = "kind"
    order      = "ASCENDING"
  }

  fields {
    field_path = "at_ms"
    order      = "ASCENDING"
  }

  fields {
    field_path = "__name__"
    order      = "ASCENDING"
  }
}
