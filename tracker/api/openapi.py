"""OpenAPI 3 description of the JSON API, kept beside the routes it describes."""

from tracker.api.views import MAX_ID, TASK_PAGE_DEFAULT, TASK_PAGE_MAX
from tracker.storage import CONTENT_TYPES
from tracker.tasks.forms import MAX_LINKS

_ERROR = {"$ref": "#/components/responses/Error"}
_PERIOD = {
    "type": "object",
    "properties": {
        "start": {"type": "string", "format": "date"},
        "end": {"type": "string", "format": "date"},
    },
    "required": ["start", "end"],
}
_ORG = {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}
_ROADMAP = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "status": {
            "type": "string",
            "enum": ["draft", "review", "approved", "in_progress", "completed", "archived"],
        },
        "organization": _ORG,
        "period": _PERIOD,
    },
    "required": ["id", "title", "status", "organization", "period"],
}
_OCCURRENCE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "start": {"type": "string", "format": "date"},
        "due": {"type": "string", "format": "date"},
        "status": {"type": "string"},
    },
}
_NULLABLE = {"type": "string", "nullable": True}
_ACTIVITY = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "number": _NULLABLE,
        "title": {"type": "string"},
        "deadline_text": _NULLABLE,
        "responsible": _NULLABLE,
        "participants": _NULLABLE,
        "result": _NULLABLE,
        "control": _NULLABLE,
        "section_path": {"type": "array", "items": {"type": "string"}},
        "needs_review": {"type": "boolean"},
        "occurrences": {"type": "array", "items": _OCCURRENCE},
    },
}
# A row id; larger numbers are answered 404 like any id the caller cannot see.
_ROW_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
_ID = {"name": "roadmap_id", "in": "path", "required": True, "schema": _ROW_ID}


def _json(schema: dict) -> dict:
    """Wrap a schema as a JSON response body."""
    return {"content": {"application/json": {"schema": schema}}}


SPEC = {
    "openapi": "3.0.3",
    "info": {
        "title": "tracker API",
        "version": "1.0.0",
        "description": "Roadmaps, activities and tasks visible to the caller.",
    },
    "servers": [{"url": "/"}],
    "security": [{"bearer": []}],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "responses": {
            "Error": {
                "description": "Error with a Russian message",
                **_json(
                    {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}
                ),
            }
        },
    },
    "paths": {
        "/api/v1/me": {
            "get": {
                "summary": "The caller",
                "responses": {
                    "200": {
                        "description": "The caller",
                        **_json(
                            {
                                "type": "object",
                                "properties": {
                                    "id": {"type": "integer"},
                                    "email": {"type": "string"},
                                    "name": {"type": "string"},
                                    "role": {"type": "string"},
                                    "organization": _ORG,
                                    "calendar_url": {"type": "string"},
                                },
                            }
                        ),
                    },
                    "401": _ERROR,
                },
            }
        },
        "/api/v1/roadmaps": {
            "get": {
                "summary": "Roadmaps the caller may see",
                "responses": {
                    "200": {
                        "description": "List",
                        **_json(
                            {
                                "type": "object",
                                "properties": {"roadmaps": {"type": "array", "items": _ROADMAP}},
                            }
                        ),
                    },
                    "401": _ERROR,
                },
            }
        },
        "/api/v1/roadmaps/{roadmap_id}": {
            "get": {
                "summary": "One roadmap with its activities and occurrences",
                "parameters": [_ID],
                "responses": {
                    "200": {
                        "description": "The roadmap",
                        **_json(
                            {
                                "allOf": [
                                    _ROADMAP,
                                    {
                                        "type": "object",
                                        "properties": {"activities": {"type": "array", "items": _ACTIVITY}},
                                    },
                                ],
                            }
                        ),
                    },
                    "401": _ERROR,
                    "404": _ERROR,
                },
            }
        },
    },
}

# --- tasks -----------------------------------------------------------------------------------------------
_STATUSES = ["planned", "in_progress", "submitted", "done", "returned", "not_done", "cancelled"]
_PERSON = {
    "type": "object",
    "nullable": True,
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "organization": {"type": "string"}},
}
_TASK = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "activity_id": {"type": "integer"},
        "roadmap_id": {"type": "integer"},
        "number": _NULLABLE,
        "title": {"type": "string"},
        "label": _NULLABLE,
        "start": {"type": "string", "format": "date"},
        "due": {"type": "string", "format": "date"},
        "status": {"type": "string", "enum": _STATUSES},
        "assignees": {"type": "array", "items": _PERSON},
    },
    "required": ["id", "activity_id", "roadmap_id", "title", "due", "status", "assignees"],
}
_MOMENT = {"type": "string", "format": "date-time", "nullable": True}
_EVIDENCE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": ["file", "link"]},
        "filename": {**_NULLABLE, "description": "File name as uploaded; null for a link"},
        "size": {"type": "integer", "nullable": True},
        "sha256": _NULLABLE,
        "content_type": _NULLABLE,
        "url": {"type": "string", "description": "Download address of a file, or the link itself"},
        "created_at": _MOMENT,
    },
}
_TASK_DETAIL = {
    "allOf": [
        _TASK,
        {
            "type": "object",
            "properties": {
                "note": _NULLABLE,
                "reason": _NULLABLE,
                "completed_at": _MOMENT,
                "submitted_by": _PERSON,
                "accepted_at": _MOMENT,
                "accepted_by": _PERSON,
                "acceptance_required": {"type": "boolean"},
                "version": {
                    "type": "integer",
                    "description": "Send it back with a change to detect concurrent ones",
                },
                "actions": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "What the caller may do now: complete, accept, return, …",
                },
                "evidence": {"type": "array", "items": _EVIDENCE},
                "comments": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "id": {"type": "integer"},
                            "author": _PERSON,
                            "body": {"type": "string"},
                            "action": _NULLABLE,
                            "created_at": _MOMENT,
                        },
                    },
                },
                "history": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "action": {"type": "string"},
                            "user": _PERSON,
                            "created_at": _MOMENT,
                            "before": {"type": "object", "nullable": True},
                            "after": {"type": "object", "nullable": True},
                        },
                    },
                },
            },
        },
    ],
}
_TASK_ID = {"name": "task_id", "in": "path", "required": True, "schema": _ROW_ID}
# Text the API stores: no NUL, which PostgreSQL refuses (answered 422).
_TEXT = {"type": "string", "pattern": r"^[^\x00]*$"}
# Required text: besides, at least one character that is not a space.
_FILLED_TEXT = {"type": "string", "pattern": r"^[^\x00]*[^\s\x00][^\x00]*$"}
_VERSION = {
    "type": "integer",
    "minimum": 0,
    "description": "The version the client saw (from the task); a stale one is answered 409",
}


def _review_body(comment: dict, required: list[str]) -> dict:
    """Return the JSON body of accepting or returning a task."""
    return _json(
        {
            "type": "object",
            # JSON null means "not sent", as for a missing field.
            "properties": {"comment": comment, "version": {**_VERSION, "nullable": True}},
            "required": required,
        }
    )


_ACCEPT_BODY = {
    "required": False,
    **_review_body({**_TEXT, "nullable": True, "description": "Optional comment"}, []),
}
_RETURN_BODY = {
    "required": True,
    **_review_body({**_FILLED_TEXT, "description": "What to fix; not blank"}, ["comment"]),
}
# 413: a body over MAX_REQUEST_MB, or for files over MAX_UPLOAD_MB.
_CHANGE_ERRORS = {status: _ERROR for status in ("400", "401", "403", "404", "409", "413", "422")}

SPEC["paths"] |= {
    "/api/v1/tasks": {
        "get": {
            "summary": "Tasks (occurrences) the caller may see, in due order",
            "parameters": [
                {
                    "name": "mine",
                    "in": "query",
                    "allowEmptyValue": True,
                    "schema": {"type": "boolean", "default": False},
                    "description": (
                        "Only the caller's tasks: named on them or falling to their organisation "
                        "(also 1/0, yes/no)"
                    ),
                },
                {
                    "name": "status",
                    "in": "query",
                    "allowEmptyValue": True,
                    # Empty items («planned,,done», a trailing comma) are skipped.
                    "schema": {"type": "array", "items": {"type": "string", "enum": [*_STATUSES, ""]}},
                    "style": "form",
                    "explode": False,
                    "description": "One status or several, comma-separated (or the parameter repeated)",
                },
                {
                    "name": "due_before",
                    "in": "query",
                    "allowEmptyValue": True,
                    "schema": {"type": "string", "format": "date"},
                    "description": "Due strictly before this date",
                },
                {
                    "name": "due_after",
                    "in": "query",
                    "allowEmptyValue": True,
                    "schema": {"type": "string", "format": "date"},
                    "description": "Due on or after this date",
                },
                {"name": "roadmap_id", "in": "query", "allowEmptyValue": True, "schema": _ROW_ID},
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {
                        "type": "integer",
                        "default": TASK_PAGE_DEFAULT,
                        "minimum": 1,
                        "maximum": TASK_PAGE_MAX,
                    },
                },
                {
                    "name": "offset",
                    "in": "query",
                    "schema": {"type": "integer", "default": 0, "minimum": 0, "maximum": MAX_ID},
                },
            ],
            "responses": {
                "200": {
                    "description": "A page of tasks",
                    **_json(
                        {
                            "type": "object",
                            "properties": {
                                "tasks": {"type": "array", "items": _TASK},
                                "limit": {"type": "integer"},
                                "offset": {"type": "integer"},
                                "next_offset": {"type": "integer", "nullable": True},
                            },
                        }
                    ),
                },
                "401": _ERROR,
                "422": _ERROR,
            },
        }
    },
    "/api/v1/tasks/{task_id}": {
        "get": {
            "summary": "One task with its evidence, comments and history",
            "parameters": [_TASK_ID],
            "responses": {
                "200": {"description": "The task", **_json(_TASK_DETAIL)},
                "401": _ERROR,
                "404": _ERROR,
            },
        }
    },
    "/api/v1/tasks/{task_id}/complete": {
        "post": {
            "summary": "Report the task done: it becomes submitted, or done where no acceptance is required",
            "parameters": [_TASK_ID],
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "note": {
                                    **_FILLED_TEXT,
                                    "description": "Completion note (Отметка о выполнении), not blank",
                                },
                                "files": {
                                    "type": "array",
                                    "items": {"type": "string", "format": "binary"},
                                    "description": "PDF, Word, Excel, PowerPoint, OpenDocument, JPEG, PNG",
                                },
                                "links": {
                                    "type": "array",
                                    "maxItems": MAX_LINKS,
                                    "items": {
                                        "type": "string",
                                        "format": "uri",
                                        "pattern": "^https?://[^/?#]",
                                        "maxLength": 2000,
                                    },
                                },
                                "version": _VERSION,
                            },
                            "required": ["note"],
                        }
                    }
                },
            },
            "responses": {
                "200": {"description": "The task after the change", **_json(_TASK_DETAIL)},
                **_CHANGE_ERRORS,
            },
        }
    },
    "/api/v1/tasks/{task_id}/accept": {
        "post": {
            "summary": "Accept a submitted task (controller or coordinator)",
            "parameters": [_TASK_ID],
            "requestBody": _ACCEPT_BODY,
            "responses": {
                "200": {"description": "The task after the change", **_json(_TASK_DETAIL)},
                **_CHANGE_ERRORS,
            },
        }
    },
    "/api/v1/tasks/{task_id}/return": {
        "post": {
            "summary": "Return a submitted task for rework with a comment (controller or coordinator)",
            "parameters": [_TASK_ID],
            "requestBody": _RETURN_BODY,
            "responses": {
                "200": {"description": "The task after the change", **_json(_TASK_DETAIL)},
                **_CHANGE_ERRORS,
            },
        }
    },
    "/api/v1/tasks/{task_id}/evidence/{evidence_id}": {
        "get": {
            "summary": "Download an evidence file (Content-Disposition: attachment)",
            "parameters": [
                _TASK_ID,
                {"name": "evidence_id", "in": "path", "required": True, "schema": _ROW_ID},
            ],
            "responses": {
                "200": {
                    "description": "The file",
                    # The type the file was checked to be on upload; octet-stream for one stored without it.
                    "content": {
                        media_type: {"schema": {"type": "string", "format": "binary"}}
                        for media_type in [*dict.fromkeys(CONTENT_TYPES.values()), "application/octet-stream"]
                    },
                },
                "401": _ERROR,
                "404": _ERROR,
            },
        }
    },
}

# Every route refuses a NUL character in the query or form with 400 before the API reads it
# (tracker/app.py, register_input_guards).
for _operations in SPEC["paths"].values():
    for _operation in _operations.values():
        _operation["responses"].setdefault("400", _ERROR)
