"""OpenAPI 3 description of the JSON API, kept beside the routes it describes."""

_ERROR = {"$ref": "#/components/responses/Error"}
_PERIOD = {
    "type": "object",
    "properties": {"start": {"type": "string", "format": "date"}, "end": {"type": "string", "format": "date"}},
    "required": ["start", "end"],
}
_ORG = {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}
_ROADMAP = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "title": {"type": "string"},
        "status": {"type": "string", "enum": ["draft", "review", "approved", "in_progress", "completed", "archived"]},
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
_ID = {"name": "roadmap_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _json(schema: dict) -> dict:
    """Wrap a schema as a JSON response body."""
    return {"content": {"application/json": {"schema": schema}}}


SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "tracker API", "version": "1.0.0",
             "description": "Roadmaps, activities and tasks visible to the caller."},
    "servers": [{"url": "/"}],
    "security": [{"bearer": []}],
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "responses": {
            "Error": {
                "description": "Error with a Russian message",
                **_json({"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}),
            }
        },
    },
    "paths": {
        "/api/v1/me": {
            "get": {
                "summary": "The caller",
                "responses": {
                    "200": {"description": "The caller", **_json({
                        "type": "object",
                        "properties": {
                            "id": {"type": "integer"}, "email": {"type": "string"}, "name": {"type": "string"},
                            "role": {"type": "string"}, "organization": _ORG, "calendar_url": {"type": "string"},
                        },
                    })},
                    "401": _ERROR,
                },
            }
        },
        "/api/v1/roadmaps": {
            "get": {
                "summary": "Roadmaps the caller may see",
                "responses": {
                    "200": {"description": "List", **_json({
                        "type": "object",
                        "properties": {"roadmaps": {"type": "array", "items": _ROADMAP}},
                    })},
                    "401": _ERROR,
                },
            }
        },
        "/api/v1/roadmaps/{roadmap_id}": {
            "get": {
                "summary": "One roadmap with its activities and occurrences",
                "parameters": [_ID],
                "responses": {
                    "200": {"description": "The roadmap", **_json({
                        "allOf": [_ROADMAP, {"type": "object", "properties": {
                            "activities": {"type": "array", "items": _ACTIVITY}}}],
                    })},
                    "401": _ERROR,
                    "404": _ERROR,
                },
            }
        },
    },
}
