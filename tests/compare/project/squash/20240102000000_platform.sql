-- What `supabase migration squash` made of the two migrations: a schema dump of public (and of the
-- extensions), so the bucket insert into storage.buckets, the cron.schedule call and the trigger
-- on auth.users are gone. Written as the CLI's dump writes it.
SET statement_timeout = 0;
SET lock_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET client_min_messages = warning;

CREATE EXTENSION IF NOT EXISTS "pg_cron" WITH SCHEMA "pg_catalog";
CREATE EXTENSION IF NOT EXISTS "citext" WITH SCHEMA "extensions";

ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "public" REVOKE ALL ON FUNCTIONS FROM "anon";

CREATE TYPE "public"."mood" AS ENUM (
    'happy',
    'calm',
    'sad'
);
ALTER TYPE "public"."mood" OWNER TO "postgres";

CREATE DOMAIN "public"."positive_int" AS integer
	CONSTRAINT "positive_int_check" CHECK ((VALUE > 0));
ALTER DOMAIN "public"."positive_int" OWNER TO "postgres";

CREATE OR REPLACE FUNCTION "public"."ensure_rls"() RETURNS "event_trigger"
    LANGUAGE "plpgsql"
    AS $$
  begin
    raise notice 'a table was made';
  end;
  $$;
ALTER FUNCTION "public"."ensure_rls"() OWNER TO "postgres";

CREATE OR REPLACE FUNCTION "public"."handle_new_user"() RETURNS "trigger"
    LANGUAGE "plpgsql" SECURITY DEFINER
    SET "search_path" TO ''
    AS $$
  begin
    insert into public.profiles (id, handle) values (new.id, new.raw_user_meta_data ->> 'handle');
    return new;
  end;
  $$;
ALTER FUNCTION "public"."handle_new_user"() OWNER TO "postgres";

CREATE TABLE IF NOT EXISTS "public"."currencies" (
    "code" "text" NOT NULL,
    "name" character varying(40) NOT NULL,
    "digits" integer DEFAULT 2 NOT NULL
);
ALTER TABLE "public"."currencies" OWNER TO "postgres";

CREATE TABLE IF NOT EXISTS "public"."profiles" (
    "id" "uuid" NOT NULL,
    "handle" character varying(30),
    "mood" "public"."mood",
    "visits" "public"."positive_int",
    "currency" "text",
    "created_at" timestamp with time zone DEFAULT "now"() NOT NULL,
    "bio" "text",
    CONSTRAINT "profiles_bio_check" CHECK (("length"("bio") < 500))
);
ALTER TABLE ONLY "public"."profiles" REPLICA IDENTITY FULL;
ALTER TABLE "public"."profiles" OWNER TO "postgres";
COMMENT ON TABLE "public"."profiles" IS 'One row per user, made by on_auth_user_created.';
COMMENT ON COLUMN "public"."profiles"."handle" IS 'Shown to other users.';

CREATE OR REPLACE VIEW "public"."handles" WITH ("security_invoker"='true') AS
 SELECT "p"."id",
    "p"."handle"
   FROM "public"."profiles" "p"
  WHERE ("p"."handle" IS NOT NULL);
ALTER TABLE "public"."handles" OWNER TO "postgres";

CREATE SEQUENCE IF NOT EXISTS "public"."ticket_numbers"
    START WITH 100
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER TABLE "public"."ticket_numbers" OWNER TO "postgres";

ALTER TABLE ONLY "public"."currencies"
    ADD CONSTRAINT "currencies_pkey" PRIMARY KEY ("code");
ALTER TABLE ONLY "public"."profiles"
    ADD CONSTRAINT "profiles_handle_key" UNIQUE ("handle");
ALTER TABLE ONLY "public"."profiles"
    ADD CONSTRAINT "profiles_pkey" PRIMARY KEY ("id");
CREATE INDEX "profiles_currency_idx" ON "public"."profiles" USING "btree" ("currency");
ALTER TABLE ONLY "public"."profiles"
    ADD CONSTRAINT "profiles_currency_fkey" FOREIGN KEY ("currency") REFERENCES "public"."currencies"("code");
ALTER TABLE ONLY "public"."profiles"
    ADD CONSTRAINT "profiles_id_fkey" FOREIGN KEY ("id") REFERENCES "auth"."users"("id") ON DELETE CASCADE;

CREATE POLICY "Currencies are public." ON "public"."currencies" FOR SELECT TO "anon", "authenticated" USING (true);
CREATE POLICY "Users read their own profile." ON "public"."profiles" FOR SELECT TO "authenticated" USING ((( SELECT "auth"."uid"() AS "uid") = "id"));
ALTER TABLE "public"."currencies" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "public"."profiles" ENABLE ROW LEVEL SECURITY;

ALTER PUBLICATION "supabase_realtime" ADD TABLE ONLY "public"."profiles";

CREATE EVENT TRIGGER "ensure_rls" ON "ddl_command_end"
         WHEN TAG IN ('CREATE TABLE')
   EXECUTE FUNCTION "public"."ensure_rls"();

REVOKE ALL ON FUNCTION "public"."handle_new_user"() FROM PUBLIC;
REVOKE ALL ON FUNCTION "public"."handle_new_user"() FROM "anon";
REVOKE ALL ON FUNCTION "public"."handle_new_user"() FROM "authenticated";
REVOKE TRUNCATE ON TABLE "public"."profiles" FROM "anon";
REVOKE TRUNCATE ON TABLE "public"."profiles" FROM "authenticated";

-- The rows and settings the squash kept (the rest of the platform's parts it did not):
INSERT INTO "public"."currencies" ("code", "name", "digits") VALUES ('EUR', 'Euro', 2), ('JPY', 'Yen', 0);
CREATE POLICY "Avatars are public." ON "storage"."objects" FOR SELECT USING (("bucket_id" = 'avatars'::"text"));
GRANT SELECT ON TABLE "storage"."buckets" TO "anon";
ALTER ROLE "authenticated" SET "statement_timeout" TO '15s';
SELECT "vault"."create_secret"('not-a-real-key', 'mail_api_key', 'the mail service''s key');
