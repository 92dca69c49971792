import { Type } from 'typebox';

export const Role = Type.Union([Type.Literal('admin'), Type.Literal('assessor')]);
export const UserView = Type.Object({ id: Type.String(), username: Type.String(), displayName: Type.String(), role: Role, disabled: Type.Boolean() });
export const LoginBody = Type.Object({ username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
export const LoginView = Type.Object({ token: Type.String(), user: UserView, expiresInMinutes: Type.Integer() });
export const MeView = Type.Object({ id: Type.String(), username: Type.String(), role: Role });
export const NewUserBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.@-]+$' }),
    password: Type.String({ minLength: 12, maxLength: 200 }),
    role: Role,
    displayName: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
