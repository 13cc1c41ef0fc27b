import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, Length, MaxLength, ValidateBy } from 'class-validator';
import { User } from './user.entity';

/** Emails match case-insensitively: they are trimmed and lower-cased at the edge. */
export const normalizeEmail = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

const trim = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.trim() : value;

/** PostgreSQL text cannot hold U+0000: refuse it at the edge (400), not in the database (500). */
export const HasNoNul = (): PropertyDecorator =>
  ValidateBy({
    name: 'hasNoNul',
    validator: {
      validate: (value) => typeof value !== 'string' || !value.includes('\u0000'),
      defaultMessage: () => '$property must not contain the NUL character',
    },
  });

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

export class SignupBody {
  @ApiProperty({ format: 'email', maxLength: 254, example: 'ada@example.com' })
  @Transform(normalizeEmail)
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH })
  @IsString()
  @Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH)
  password!: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100, example: 'Ada Lovelace' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MaxLength(100)
  @HasNoNul()
  name?: string | null;
}

export class LoginBody {
  @ApiProperty({ format: 'email', example: 'ada@example.com' })
  @Transform(normalizeEmail)
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ maxLength: PASSWORD_MAX_LENGTH })
  @IsString()
  @Length(1, PASSWORD_MAX_LENGTH)
  password!: string;
}

export class UserResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'email' })
  email!: string;

  @ApiProperty({ type: String, nullable: true })
  name!: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: Date;

  static of(user: User): UserResponse {
    return { id: user.id, email: user.email, name: user.name, createdAt: user.createdAt };
  }
}

export class AuthResponse {
  @ApiProperty({ type: UserResponse })
  user!: UserResponse;

  @ApiProperty({ description: 'Send as `Authorization: Bearer <accessToken>`.' })
  accessToken!: string;

  @ApiProperty({ description: 'Seconds until the access token expires.', example: 3600 })
  expiresIn!: number;
}

export class ChangePasswordBody {
  @ApiProperty({ maxLength: PASSWORD_MAX_LENGTH, description: 'The password in use now.' })
  @IsString()
  @Length(1, PASSWORD_MAX_LENGTH)
  currentPassword!: string;

  @ApiProperty({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH })
  @IsString()
  @Length(PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH)
  newPassword!: string;
}
