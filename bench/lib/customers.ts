/** Bench customers: the same 100,000 for every bench that needs them (bench:list, bench:export). */
import type postgres from "postgres";
import { inParallel } from "./database";

// biome-ignore format: a table of names
export const FIRST_NAMES = [
  "Anna", "Olga", "Elena", "Maria", "Irina", "Tatiana", "Natalia", "Svetlana", "Ekaterina", "Yulia",
  "Daria", "Polina", "Ksenia", "Alina", "Victoria", "Sofia", "Anastasia", "Marina", "Valentina", "Lyudmila",
  "Galina", "Nadezhda", "Vera", "Lyubov", "Oksana", "Alexandra", "Kristina", "Veronika", "Milana", "Arina",
  "Ivan", "Dmitry", "Sergey", "Alexey", "Andrey", "Mikhail", "Nikolai", "Pavel", "Vladimir", "Maxim",
  "Artem", "Egor", "Kirill", "Roman", "Denis", "Yuri", "Oleg", "Igor", "Viktor", "Konstantin",
  "Boris", "Grigory", "Fedor", "Timur", "Ruslan", "Stanislav", "Vadim", "Anton", "Leonid", "Gleb",
  "John", "James", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas", "Charles",
  "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah", "Karen",
  "Emma", "Olivia", "Ava", "Isabella", "Mia", "Charlotte", "Amelia", "Harper", "Evelyn", "Abigail",
  "Liam", "Noah", "Oliver", "Elijah", "Lucas", "Mason", "Logan", "Ethan", "Jacob", "Benjamin",
  "Hiroshi", "Yuki", "Haruto", "Sakura", "Kenji", "Aiko", "Hans", "Greta", "Lukas", "Klaus",
  "Pierre", "Camille", "Luca", "Giulia", "Mateo", "Lucia", "Ahmed", "Fatima", "Omar", "Leila",
];

// biome-ignore format: a table of names
export const LAST_NAMES = [
  "Ivanov", "Smirnov", "Kuznetsov", "Popov", "Vasiliev", "Petrov", "Sokolov", "Mikhailov", "Novikov",
  "Fedorov", "Morozov", "Volkov", "Alekseev", "Lebedev", "Semenov", "Egorov", "Pavlov", "Kozlov",
  "Stepanov", "Nikolaev", "Orlov", "Andreev", "Makarov", "Nikitin", "Zakharov", "Zaitsev", "Soloviev",
  "Borisov", "Yakovlev", "Grigoriev", "Romanov", "Vorobiev", "Sergeev", "Kuzmin", "Frolov", "Alexandrov",
  "Dmitriev", "Korolev", "Gusev", "Kiselev", "Ilyin", "Maximov", "Polyakov", "Sorokin", "Vinogradov",
  "Kovalev", "Belov", "Medvedev", "Antonov", "Tarasov", "Zhukov", "Baranov", "Filippov", "Komarov",
  "Davydov", "Belyaev", "Gerasimov", "Bogdanov", "Osipov", "Sidorov", "Matveev", "Titov", "Markov",
  "Mironov", "Krylov", "Kulikov", "Karpov", "Vlasov", "Melnikov", "Denisov", "Gavrilov", "Tikhonov",
  "Kazakov", "Afanasiev", "Danilov", "Savelyev", "Timofeev", "Fomin", "Chernov", "Abramov", "Martynov",
  "Efimov", "Fedotov", "Shcherbakov", "Nazarov", "Kalinin", "Isaev", "Chernyshev", "Bykov", "Maslov",
  "Rodionov", "Konovalov", "Lazarev", "Voronin", "Klimov", "Filatov", "Ponomarev", "Golubev",
  "Kudryavtsev", "Prokhorov", "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller",
  "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Taylor",
  "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker", "Young",
  "Allen", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell",
  "Roberts", "Carter", "Tanaka", "Suzuki", "Sato", "Watanabe", "Mueller", "Schmidt", "Schneider",
  "Fischer", "Dubois", "Moreau", "Rossi", "Russo", "Ferrari",
];

/**
 * `count` customers `firstname.lastname.N@example.com` / "Firstname Lastname" from 120 × 150
 * names (so a first name selects ~0.8 % of them), created in order over the 730 days before
 * `anchor`, with ids md5('bench-customer-N') that other fills can reference.
 */
export async function fillCustomers(
  url: string,
  parts: number,
  count: number,
  anchor: string,
): Promise<void> {
  await inParallel(
    url,
    parts,
    count,
    (sql: postgres.Sql, first: number, last: number) => sql`
    insert into customers (id, email, name, external_ref, created_at, updated_at)
    select md5('bench-customer-' || i)::uuid,
           lower(fn) || '.' || lower(ln) || '.' || i || '@example.com',
           fn || ' ' || ln,
           'bench-' || i,
           created, created
    from (
      select i,
             (${FIRST_NAMES}::text[])[1 + floor(random() * ${FIRST_NAMES.length})::int] as fn,
             (${LAST_NAMES}::text[])[1 + floor(random() * ${LAST_NAMES.length})::int] as ln,
             ${anchor}::timestamptz - interval '760 days' + i * interval '730 days' / ${count} as created
      from generate_series(${first}::int, ${last}::int) as i
    ) s`,
  );
}
