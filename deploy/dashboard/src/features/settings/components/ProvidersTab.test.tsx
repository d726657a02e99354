import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { I18nProvider } from "@/i18n/I18nProvider";
import { ProviderForm, providerCreate, providerPatch } from "./ProvidersTab";

const draft = { name: " Groq ", type: "openai_compatible" as const, baseUrl: "https://api.example/v1 ", apiKey: "", removeKey: false, active: true };

describe("the provider form's API key is write-only", () => {
  it("sends a key only when one is typed, and never for the in-process provider", () => {
    expect(providerCreate(draft)).toEqual({ name: "Groq", type: "openai_compatible", base_url: "https://api.example/v1", active: true });
    expect(providerCreate({ ...draft, apiKey: "sk-1" }).api_key).toBe("sk-1");
    expect(providerCreate({ ...draft, type: "local", apiKey: "sk-1" })).toEqual({ name: "Groq", type: "local", base_url: null, active: true });
  });

  it("on edit keeps the stored key when the field is empty, replaces it when typed, removes it on request", () => {
    expect("api_key" in providerPatch(draft)).toBe(false);
    expect(providerPatch({ ...draft, apiKey: "sk-2" }).api_key).toBe("sk-2");
    expect(providerPatch({ ...draft, apiKey: "sk-2", removeKey: true }).api_key).toBeNull();
  });

  it("opens an edit with an empty password field that says a key is stored", () => {
    const provider = {
      id: "p1",
      name: "Groq",
      type: "openai_compatible" as const,
      base_url: "https://api.example/v1",
      active: true,
      has_api_key: true,
      validation_status: "connected" as const,
      validation_error: null,
      validated_at: null,
      models: [],
      created_at: "2026-01-01T00:00:00Z",
      updated_at: "2026-01-01T00:00:00Z",
    };
    render(
      <QueryClientProvider client={new QueryClient()}>
        <I18nProvider>
          <ProviderForm editing={provider} onDone={() => undefined} />
        </I18nProvider>
      </QueryClientProvider>,
    );
    const key = screen.getByLabelText("API-ключ") as HTMLInputElement;
    expect(key.type).toBe("password");
    expect(key.value).toBe("");
    expect(key.autocomplete).toBe("new-password");
    expect(screen.getByText(/Ключ збережено/)).toBeTruthy();
    expect((screen.getByLabelText("Адреса API") as HTMLInputElement).value).toBe("https://api.example/v1");
  });
});
